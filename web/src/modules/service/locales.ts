/** UI strings of the service module, under the top-level key `service`. */
export const zh = {
  service: {
    menu: '服务',
  },
};

export const en: typeof zh = {
  service: {
    menu: 'Service',
  },
};
