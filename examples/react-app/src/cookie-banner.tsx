/** The consent UI: a banner while the visitor has not decided, and a settings panel to change their mind. */
import { type ConsentPreferences, useConsent } from '@exhaust/react';

const ACCEPT_ALL: ConsentPreferences = { analytics: true, marketing: true, personalization: true };
const NECESSARY_ONLY: ConsentPreferences = { analytics: false, marketing: false, personalization: false };
const OPTIONAL = ['analytics', 'marketing', 'personalization'] as const;

export function CookieBanner() {
  const { pending, setConsent } = useConsent();
  if (!pending) return null;
  return (
    <section role="dialog" aria-label="Cookie consent" className="banner">
      <p>We use analytics to improve the shop. Nothing is stored or sent until you choose.</p>
      <button type="button" onClick={() => setConsent(ACCEPT_ALL)}>
        Accept all
      </button>
      <button type="button" onClick={() => setConsent({ ...NECESSARY_ONLY, analytics: true })}>
        Analytics only
      </button>
      <button type="button" onClick={() => setConsent(NECESSARY_ONLY)}>
        Necessary only
      </button>
    </section>
  );
}

export function PrivacySettings() {
  const { ready, preferences, setConsent } = useConsent();
  if (!ready) return null;
  return (
    <fieldset className="privacy">
      <legend>Privacy settings</legend>
      {OPTIONAL.map((category) => (
        <label key={category}>
          <input
            type="checkbox"
            checked={preferences?.[category] === true}
            onChange={(event) => setConsent({ ...preferences, [category]: event.target.checked })}
          />{' '}
          {category}
        </label>
      ))}
    </fieldset>
  );
}
