/** The shop's routes. Each sends the events a product team would want, through `useExhaust()`. */
import { useExhaust } from '@exhaust/react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { formatPrice, PRODUCTS, productById } from './catalog.js';
import { useShop } from './shop-state.js';

export function ProductList() {
  return (
    <>
      <title>Products · Exhaust Shop</title>
      <ul className="products">
        {PRODUCTS.map((product) => (
          <li key={product.id}>
            <Link to={`/products/${product.id}`}>{product.name}</Link> {formatPrice(product.price)}
          </li>
        ))}
      </ul>
    </>
  );
}

export function ProductPage() {
  const { id } = useParams();
  const product = productById(id);
  const exhaust = useExhaust();
  const { addToCart } = useShop();
  // NOTE: StrictMode runs effects twice in development: one view per product shown, not per effect run.
  const viewed = useRef<string | null>(null);
  useEffect(() => {
    if (!product || viewed.current === product.id) return;
    viewed.current = product.id;
    exhaust.track('Product Viewed', { product_id: product.id, name: product.name, price: product.price });
  }, [exhaust, product]);
  if (!product) return <p>No such product.</p>;
  return (
    <article>
      <title>{`${product.name} · Exhaust Shop`}</title>
      <h1>{product.name}</h1>
      <p>{product.description}</p>
      <p>{formatPrice(product.price)}</p>
      <button type="button" onClick={() => addToCart(product)}>
        Add to cart
      </button>
    </article>
  );
}

export function CartPage() {
  const { cart } = useShop();
  const total = cart.reduce((sum, line) => sum + line.product.price * line.quantity, 0);
  if (cart.length === 0) return <p>Your cart is empty.</p>;
  return (
    <>
      <title>Cart · Exhaust Shop</title>
      <ul className="cart">
        {cart.map((line) => (
          <li key={line.product.id}>
            {line.quantity} × {line.product.name} {formatPrice(line.product.price * line.quantity)}
          </li>
        ))}
      </ul>
      <p>Total {formatPrice(total)}</p>
      <Link to="/checkout">Checkout</Link>
    </>
  );
}

export function LoginPage() {
  const { signIn } = useShop();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState('');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const email = String(new FormData(event.currentTarget).get('email') ?? '');
    if (!signIn(email)) return setError('Unknown account: try ada@example.org');
    navigate(params.get('next') ?? '/');
  };
  return (
    <form onSubmit={submit}>
      <label>
        Email <input name="email" type="email" autoComplete="email" required />
      </label>
      <label>
        Password <input name="password" type="password" autoComplete="current-password" />
      </label>
      <button type="submit">Sign in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

export function CheckoutPage({ checkoutUrl }: { checkoutUrl: string | null }) {
  const exhaust = useExhaust();
  const { cart, account, clearCart } = useShop();
  const navigate = useNavigate();
  const [error, setError] = useState('');
  const total = cart.reduce((sum, line) => sum + line.product.price * line.quantity, 0);
  if (!account) return <Link to="/login?next=/checkout">Sign in to check out</Link>;
  if (cart.length === 0) return <p>Your cart is empty.</p>;

  const placeOrder = async () => {
    const orderId = `ord-${Date.now().toString(36)}`;
    const products = cart.map((line) => ({ ...line.product, quantity: line.quantity }));
    exhaust.track('Checkout Started', { order_id: orderId, value: total, currency: 'USD' });
    if (checkoutUrl) {
      // The checkout service tracks `Order Completed` server-side, with the same userId.
      const response = await fetch(`${checkoutUrl}/checkout`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          userId: account.userId,
          anonymousId: exhaust.user().anonymousId,
          orderId,
          total,
          currency: 'USD',
          products,
        }),
      }).catch(() => null);
      if (!response?.ok) return setError('The checkout service did not answer. Try again.');
    } else {
      exhaust.track('Order Completed', { orderId, total, currency: 'USD', products });
    }
    clearCart();
    navigate(`/orders/${orderId}`);
  };
  return (
    <>
      <p>
        Signed in as {account.email}. Total {formatPrice(total)}
      </p>
      <button type="button" onClick={placeOrder}>
        Place order
      </button>
      {error && <p role="alert">{error}</p>}
    </>
  );
}

export function OrderPage() {
  const { id } = useParams();
  return <p role="status">Thank you! Order {id} is on its way.</p>;
}
