/** UI strings of the engagement module, under the top-level key `engagement`. */
export const zh = {
  engagement: {
    menu: '销售',
  },
};

export const en: typeof zh = {
  engagement: {
    menu: 'Sales',
  },
};
