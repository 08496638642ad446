/** The shop: routes, header, consent UI, and one page view per route change. */
import { usePageViews } from '@exhaust/react';
import { BrowserRouter, Link, Route, Routes, useLocation } from 'react-router';
import { CookieBanner, PrivacySettings } from './cookie-banner.js';
import { CartPage, CheckoutPage, LoginPage, OrderPage, ProductList, ProductPage } from './pages.js';
import { ShopProvider, useShop } from './shop-state.js';

const pageName = (path: string) => (path.startsWith('/products/') ? 'Product' : undefined);

function PageViews() {
  usePageViews(useLocation(), { name: pageName });
  return null;
}

function Header() {
  const { cart, account, signOut } = useShop();
  const count = cart.reduce((sum, line) => sum + line.quantity, 0);
  return (
    <header>
      <nav>
        <Link to="/">Products</Link> <Link to="/cart">Cart ({count})</Link>{' '}
        {account ? (
          <>
            <span>{account.name}</span>{' '}
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </>
        ) : (
          <Link to="/login">Sign in</Link>
        )}
      </nav>
    </header>
  );
}

export function App({ checkoutUrl }: { checkoutUrl: string | null }) {
  return (
    <BrowserRouter>
      <ShopProvider>
        <PageViews />
        <Header />
        <main>
          <Routes>
            <Route path="/" element={<ProductList />} />
            <Route path="/products/:id" element={<ProductPage />} />
            <Route path="/cart" element={<CartPage />} />
            <Route path="/login" element={<LoginPage />} />
            <Route path="/checkout" element={<CheckoutPage checkoutUrl={checkoutUrl} />} />
            <Route path="/orders/:id" element={<OrderPage />} />
          </Routes>
        </main>
        <footer>
          <PrivacySettings />
        </footer>
        <CookieBanner />
      </ShopProvider>
    </BrowserRouter>
  );
}
