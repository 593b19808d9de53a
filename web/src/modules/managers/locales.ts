/** UI strings of the managers module, under the top-level key `managers`. */
export const zh = {
  managers: {
    menu: '工作台',
  },
};

export const en: typeof zh = {
  managers: {
    menu: 'Workbench',
  },
};
