/** Tables of the products module (product catalogue attributes, risk ratings, documents, sales scripts); created by migration 0004_products. */
export type ProductsTables = {};
