import { html, nothing, render } from 'lit-html';
import { api, ApiError } from '../api';
import { t } from '../i18n';
import { finishSignIn, isRedirectBack, SignInError, startSignIn, type ProviderSettings } from '../oidc';
import { saveSession, type Session } from '../session';
import { problem } from './common';

interface DemoOrganization {
  id: string;
  name: string;
  roles: string[];
}

interface Me {
  organization: { id: string; name: string };
  roles: string[];
  expiresAt: string;
}

/**
 * Sign-in. A hub in demo mode lists its demo organizations and issues a development token
 * for the one picked; a hub with an OpenID Connect provider configured sends people there
 * (authorization code with PKCE) and takes back the access token it gives; any hub takes a
 * token pasted from the organization's issuer.
 */
export function signInPage(el: HTMLElement, reason: string | undefined, signedIn: () => void): void {
  let demo: DemoOrganization[] | undefined;
  let provider: ProviderSettings | undefined;
  let error: unknown;
  let busy = false;
  let returning = isRedirectBack();

  const draw = () =>
    render(
      html`<h1>${t('signin.title')}</h1>
        ${reason ? html`<p class="problem" role="alert" data-testid="signin-reason">${reason}</p>` : nothing}
        ${returning ? html`<p class="muted" role="status" data-testid="oidc-returning">${t('signin.oidcReturning')}</p>` : nothing}
        ${error instanceof SignInError
          ? html`<div class="problem" role="alert" data-testid="signin-problem">
              <p><strong>${t('signin.oidcFailed')}</strong></p>
              <p><code>${error.code}</code> ${error.message}</p>
            </div>`
          : error
            ? problem(error)
            : nothing}
        ${provider
          ? html`<section aria-labelledby="oidc-title">
              <h2 id="oidc-title">${t('signin.oidc')}</h2>
              <p class="muted">${t('signin.oidcHelp', { issuer: provider.issuer })}</p>
              <button type="button" data-testid="oidc-signin" ?disabled=${busy} @click=${() => void providerSignIn(provider!)}>${t('signin.oidcSubmit')}</button>
            </section>`
          : nothing}
        ${demo && demo.length > 0
          ? html`<section aria-labelledby="demo-title">
              <h2 id="demo-title">${t('signin.demo')}</h2>
              <p class="muted">${t('signin.demoHelp')}</p>
              <ul class="cards">
                ${demo.map(
                  (o) => html`<li>
                    <button type="button" class="card" ?disabled=${busy} @click=${() => demoSignIn(o.id)} data-org=${o.id}>
                      <strong>${o.name}</strong><br /><code>${o.id}</code><br />
                      <span class="muted">${o.roles.map((r) => t(`role.${r}` as never)).join(', ')}</span>
                    </button>
                  </li>`,
                )}
              </ul>
            </section>`
          : nothing}
        <section aria-labelledby="token-title">
          <h2 id="token-title">${t('signin.token')}</h2>
          <form @submit=${(e: Event) => { e.preventDefault(); void tokenSignIn(new FormData(e.target as HTMLFormElement).get('token')); }}>
            <label for="token">${t('signin.tokenLabel')}</label>
            <textarea id="token" name="token" rows="4" required spellcheck="false" autocomplete="off"></textarea>
            <p class="muted">${t('signin.tokenHelp')}</p>
            <button type="submit" ?disabled=${busy}>${t('signin.submit')}</button>
          </form>
        </section>`,
      el,
    );

  const establish = async (token: string, via: Session['via']) => {
    busy = true;
    error = undefined;
    draw();
    try {
      const me = await api<Me>('/federation/me', { headers: { authorization: `Bearer ${token}` }, auth: false });
      saveSession({ token, organization: me.organization, roles: me.roles, expiresAt: me.expiresAt, via });
      signedIn();
    } catch (err) {
      error = err;
      busy = false;
      draw();
    }
  };

  const demoSignIn = async (organization: string) => {
    try {
      const minted = await api<{ token: string }>('/demo/tokens', { method: 'POST', body: { organization }, auth: false });
      await establish(minted.token, 'demo');
    } catch (err) {
      error = err;
      draw();
    }
  };

  const providerSignIn = async (settings: ProviderSettings) => {
    busy = true;
    error = undefined;
    draw();
    try {
      await startSignIn(settings); // the browser leaves for the provider
    } catch (err) {
      error = err;
      busy = false;
      draw();
    }
  };

  const tokenSignIn = async (raw: FormDataEntryValue | null) => {
    const token = String(raw ?? '').trim().replace(/^Bearer\s+/i, '');
    if (token) await establish(token, 'token');
  };

  draw();
  api<{ oidc: ProviderSettings | null }>('/console/config', { auth: false }).then(
    async (config) => {
      provider = config.oidc ?? undefined;
      if (returning) {
        try {
          if (!provider) throw new SignInError('SIGNIN.NOT_CONFIGURED', 'this hub has no OpenID Connect provider configured: the answer was ignored');
          const token = await finishSignIn(provider);
          returning = false;
          await establish(token, 'oidc');
          return;
        } catch (err) {
          returning = false;
          error = err;
        }
      }
      draw();
    },
    (err: unknown) => {
      returning = false;
      error = err;
      draw();
    },
  );
  api<DemoOrganization[]>('/demo/organizations', { auth: false }).then(
    (list) => {
      demo = list;
      draw();
    },
    (err: unknown) => {
      // No demo routes: a hub in stack mode. Only the pasted token remains.
      if (!(err instanceof ApiError && err.status === 404)) error = err;
      draw();
    },
  );
}
