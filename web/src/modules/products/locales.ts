/** UI strings of the products module, under the top-level key `products`. */
export const zh = {
  products: {
    menu: '产品',
  },
};

export const en: typeof zh = {
  products: {
    menu: 'Products',
  },
};
