/** The shop's own state (cart, signed-in account): plain React, with the analytics calls beside each action. */
import { useExhaust } from '@exhaust/react';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { ACCOUNTS, type Account, type Product } from './catalog.js';

export interface CartLine {
  product: Product;
  quantity: number;
}

interface ShopState {
  cart: CartLine[];
  account: Account | null;
  addToCart(product: Product): void;
  clearCart(): void;
  /** Signs in a demo account; false for an unknown email. */
  signIn(email: string): boolean;
  signOut(): void;
}

const ShopContext = createContext<ShopState | null>(null);
const ACCOUNT_KEY = 'shop:account';

function savedAccount(): Account | null {
  const email = localStorage.getItem(ACCOUNT_KEY);
  return ACCOUNTS.find((account) => account.email === email) ?? null;
}

export function ShopProvider({ children }: { children: ReactNode }) {
  const exhaust = useExhaust();
  const [cart, setCart] = useState<CartLine[]>([]);
  const [account, setAccount] = useState<Account | null>(savedAccount);

  const addToCart = useCallback(
    (product: Product) => {
      setCart((lines) => {
        const line = lines.find((l) => l.product.id === product.id);
        if (!line) return [...lines, { product, quantity: 1 }];
        return lines.map((l) => (l === line ? { ...l, quantity: l.quantity + 1 } : l));
      });
      exhaust.track('Product Added', { product_id: product.id, name: product.name, price: product.price });
    },
    [exhaust],
  );

  const signIn = useCallback(
    (email: string) => {
      const found = ACCOUNTS.find((a) => a.email === email.trim().toLowerCase());
      if (!found) return false;
      localStorage.setItem(ACCOUNT_KEY, found.email);
      setAccount(found);
      // identify links this device's anonymous history (pre-login views included) to the account.
      exhaust.identify(found.userId, { email: found.email, name: found.name });
      exhaust.track('Signed In');
      return true;
    },
    [exhaust],
  );

  const signOut = useCallback(() => {
    exhaust.track('Signed Out');
    // reset() forgets the userId and mints a new anonymousId: the next person on this device starts clean.
    exhaust.reset();
    localStorage.removeItem(ACCOUNT_KEY);
    setAccount(null);
    setCart([]);
  }, [exhaust]);

  const value = useMemo(
    () => ({ cart, account, addToCart, clearCart: () => setCart([]), signIn, signOut }),
    [cart, account, addToCart, signIn, signOut],
  );
  return <ShopContext.Provider value={value}>{children}</ShopContext.Provider>;
}

export function useShop(): ShopState {
  const state = useContext(ShopContext);
  if (!state) throw new Error('useShop needs <ShopProvider>');
  return state;
}
