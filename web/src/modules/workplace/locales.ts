/** UI strings of the workplace module, under the top-level key `workplace`. */
export const zh = {
  workplace: {
    menu: '工作平台',
  },
};

export const en: typeof zh = {
  workplace: {
    menu: 'Workplace',
  },
};
