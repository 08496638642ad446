/** The shop's products and its demo accounts: fixed data, so the walk-through is repeatable. */
export interface Product {
  id: string;
  name: string;
  price: number;
  description: string;
}

export const PRODUCTS: Product[] = [
  { id: 'p-kettle', name: 'Copper Kettle', price: 49, description: 'Boils water, looks good doing it.' },
  { id: 'p-mug', name: 'Stoneware Mug', price: 14.5, description: 'Holds 350 ml of whatever you like.' },
  { id: 'p-beans', name: 'House Beans 1 kg', price: 22, description: 'Medium roast, roasted on Mondays.' },
  { id: 'p-grinder', name: 'Hand Grinder', price: 65, description: 'Ceramic burrs, 40 grind settings.' },
];

export const productById = (id: string | undefined) => PRODUCTS.find((product) => product.id === id);

export interface Account {
  userId: string;
  email: string;
  name: string;
}

/** Demo accounts: any password works. */
export const ACCOUNTS: Account[] = [
  { userId: 'u-ada', email: 'ada@example.org', name: 'Ada Lovelace' },
  { userId: 'u-grace', email: 'grace@example.org', name: 'Grace Hopper' },
];

export const formatPrice = (value: number) => `$${value.toFixed(2)}`;
