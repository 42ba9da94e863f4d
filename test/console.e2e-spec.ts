import { PostgresDatabase } from '@passerelle/database';
import { createScratchDatabase, type ScratchDatabase } from '@passerelle/testing';
import { generateOrganizationKey } from '@passerelle/identity';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { launchBrowser, seen, seriousViolations, type Browser } from './support/browser';
import { listeningUrl, spawnTarget, terminate, type TargetProcess } from './support/target-process';

const ROOT = resolve(__dirname, '..');
const exec = promisify(execFile);
/** Set to a folder (docs/console) to write a screenshot of each page there. */
const SHOTS = process.env.PASSERELLE_SCREENSHOTS;

/**
 * The console in Debian's Chromium against a built hub in demo mode, on its own PostgreSQL
 * database (so the store can be altered behind its back), with the README's case published
 * by the CLI: what each organization sees, an auditor watching a case break, a rejected
 * publish, both languages, accessibility, and how failures show.
 */
describe('the web console in a real browser', () => {
  let scratch: ScratchDatabase;
  let hub: TargetProcess;
  let url: string;
  let dir: string;
  let browser: Browser;
  /** A real OpenID Provider (oidc-provider), the token issuer of the member demo.oidc. */
  let op: { child: ChildProcess; issuer: string };

  const passerelle = async (...args: string[]) => {
    try {
      const { stdout } = await exec(process.execPath, [join(ROOT, 'bin/passerelle.js'), ...args, '--hub', url, '--key-dir', join(dir, 'keys')], { cwd: ROOT });
      return { code: 0, stdout };
    } catch (err) {
      const e = err as { code: number; stdout: string };
      return { code: e.code, stdout: e.stdout };
    }
  };

  /** The README's examples, under another case and event ids. */
  async function examples(caseId: string, tag: string): Promise<string[]> {
    const out = join(dir, caseId);
    await mkdir(out, { recursive: true });
    const files = [];
    for (const name of ['1-open', '2-invite', '3-grant', '4-request', '5-decision']) {
      const text = (await readFile(join(ROOT, 'docs/examples', `${name}.json`), 'utf8')).replaceAll('case-2026-0042', caseId).replaceAll('evt-0042-', `evt-${tag}-`);
      files.push(join(out, `${name}.json`));
      await writeFile(files.at(-1)!, text);
    }
    return files;
  }

  async function publishAll(files: string[]): Promise<void> {
    for (const file of files) expect(await passerelle('publish', file, '--as', 'demo.health')).toMatchObject({ code: 0, stdout: expect.stringContaining('✓ accepted') });
  }

  async function signIn(page: Page, organization: string): Promise<void> {
    await page.goto(`${url}/console/`);
    await page.click(`button[data-org="${organization}"]`);
    await page.waitForSelector('[data-testid=who]');
  }

  async function shot(page: Page, name: string): Promise<void> {
    if (SHOTS) await page.screenshot({ path: join(ROOT, SHOTS, `${name}.png`), fullPage: true });
  }

  async function expectAccessible(page: Page): Promise<void> {
    expect(await seriousViolations(page)).toEqual([]);
  }

  /** A development token for the demo operator, from the hub's demo sign-in. */
  const operatorToken = async () => ((await (await fetch(`${url}/demo/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organization: 'hub' }) })).json()) as { token: string }).token;

  beforeAll(async () => {
    browser = await launchBrowser('fr-FR');
    dir = await mkdtemp(join(tmpdir(), 'passerelle-console-'));
    scratch = await createScratchDatabase();
    // The provider starts first: the hub is told its issuer; the provider learns the hub's address after.
    const oidcKey = await generateOrganizationKey('ES256', 'demo.oidc-1');
    const child = spawn(process.execPath, [join(ROOT, 'test/support/openid-provider.mjs')], { env: { PATH: process.env.PATH, OP_KEY: JSON.stringify(oidcKey.privateJwk) }, stdio: ['ignore', 'pipe', 'inherit'] });
    const issuer = await new Promise<string>((ok, fail) => {
      child.stdout!.once('data', (line: Buffer) => ok((JSON.parse(line.toString()) as { issuer: string }).issuer));
      child.once('exit', (code) => fail(new Error(`the OpenID Provider ended (${code}) before listening`)));
    });
    op = { child, issuer };
    hub = spawnTarget('hub', {
      PASSERELLE_CONSOLE_OIDC_ISSUER: op.issuer,
      PASSERELLE_CONSOLE_OIDC_CLIENT_ID: 'passerelle-console',
      DATABASE_URL: scratch.url,
      PASSERELLE_DEMO_FEDERATION: 'on',
      PASSERELLE_KEYS_DIR: join(dir, 'keys'),
      PASSERELLE_CHECKPOINT_INTERVAL: '0',
      PASSERELLE_CLOCK_TOLERANCE: '0',
      PASSERELLE_GROUP_PREFIX: `console-${Date.now()}`,
    });
    url = await listeningUrl(hub);
    const setup = await fetch(`${op.issuer}/test/setup`, { method: 'POST', body: JSON.stringify({ clientId: 'passerelle-console', redirectUri: `${url}/console/`, roles: ['publisher', 'subscriber'] }) });
    expect(setup.status).toBe(204);
    // The operator admits demo.oidc with the provider as its issuer and the provider's key.
    const admitted = await fetch(`${url}/federation/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await operatorToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'demo.oidc', name: 'Agence de démonstration OIDC', issuers: [op.issuer], roles: ['publisher', 'subscriber'], keys: [oidcKey.publicJwk] }),
    });
    expect({ status: admitted.status, body: admitted.status === 201 ? null : await admitted.text() }).toEqual({ status: 201, body: null });
    await publishAll(await examples('case-2026-0042', '0042'));
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (hub) await terminate(hub);
    if (op) {
      const ended = new Promise((ok) => op.child.once('exit', ok));
      op.child.kill('SIGTERM');
      await ended;
    }
    await scratch?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows an agent of demo.transport the shared events of the case, live, and never the decision', async () => {
    const page = await browser.context.newPage();
    await signIn(page, 'demo.transport');
    expect(await seen(page.locator('nav'), 'Dossiers')).toContain('Dossiers');
    expect(await page.locator('nav').innerText()).not.toContain('Audit');
    await page.waitForSelector('[data-testid=cases] a[href="#/cases/case-2026-0042"]');
    await shot(page, 'cases');
    await expectAccessible(page);

    await page.fill('#q', 'nothing-like-it');
    await page.waitForSelector('[data-testid=no-cases]');
    await page.fill('#q', '0042');
    await page.click('a[href="#/cases/case-2026-0042"]');
    await page.waitForSelector('[data-testid=live]:has-text("en direct")');
    const types = await page.locator('[data-testid=timeline] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(types).toEqual(['passerelle.case.ParticipantInvited.v1', 'passerelle.case.AccessGranted.v1', expect.stringMatching(/^passerelle\.case\.ServiceRequested\.v\d$/)]);
    expect(await seen(page.locator('[data-testid=reflects]'), 'révision 3')).toContain('révision 3');
    expect(await page.locator('main').innerText()).not.toContain('DecisionRendered');

    // A new request shared with demo.transport arrives while the page is open.
    const next = JSON.parse(await readFile(join(ROOT, 'docs/examples/4-request.json'), 'utf8')) as Record<string, unknown>;
    const live = join(dir, 'live.json');
    await writeFile(live, JSON.stringify({ ...next, id: 'evt-0042-6', time: '2026-11-30T09:05:00Z' }));
    expect(await passerelle('publish', live, '--as', 'demo.health')).toMatchObject({ code: 0 });
    await page.waitForSelector('[data-testid=timeline] tbody tr:nth-child(4)');
    expect(await seen(page.locator('[data-testid=reflects]'), 'révision 5')).toContain('révision 5');
    await shot(page, 'case');
    await expectAccessible(page);

    await page.goto(`${url}/console/#/cases/case-2026-9999`);
    expect(await seen(page.locator('[data-testid=problem]'), 'CASE.NOT_FOUND')).toContain('CASE.NOT_FOUND');
    expect(await seen(page.locator('[data-testid=problem]'), 'no case case-2026-9999 for demo.transport')).toContain('no case case-2026-9999 for demo.transport');
    await page.close();
  }, 90_000);

  it('shows the single window (demo.health) the citizen’s own log: which organization read their case, when, for what purpose', async () => {
    expect(await passerelle('case', 'case-2026-0042', '--as', 'demo.transport', '--purpose', 'service-delivery; citizen log check')).toMatchObject({ code: 0 });
    const page = await browser.context.newPage();
    await signIn(page, 'demo.health');
    await page.click('nav a[href="#/citizen"]');
    await page.fill('#citizen', 'cit-9d41e2');
    await page.click('[data-testid=citizen-form] button[type=submit]');
    const row = page.locator('[data-testid=citizen-log] tbody tr[data-org="demo.transport"]', { hasText: 'citizen log check' });
    expect(await seen(row, 'service-delivery')).toContain('service-delivery');
    expect(await row.innerText()).toContain('case-2026-0042');
    expect(await page.locator('h1').innerText()).toContain('Journal du citoyen');
    await shot(page, 'citizen');
    await expectAccessible(page);

    // A reference demo.health knows no citizen by: the hub's coded answer.
    await page.fill('#citizen', 'ps-unknown-to-demo-health');
    await page.click('[data-testid=citizen-form] button[type=submit]');
    expect(await seen(page.locator('[data-testid=problem]'), 'CITIZEN.UNKNOWN_PSEUDONYM')).toContain('CITIZEN.UNKNOWN_PSEUDONYM');
    await page.close();

    // demo.transport is not the single window: no such page for it.
    const other = await browser.context.newPage();
    await signIn(other, 'demo.transport');
    expect(await other.locator('nav').innerText()).not.toContain('Journal du citoyen');
    await other.close();
  }, 90_000);

  it('shows an auditor a verified case turn red at the tampered event once the store is altered', async () => {
    await publishAll(await examples('case-2026-0077', '0077'));
    const page = await browser.context.newPage();
    await signIn(page, 'hub');
    await page.goto(`${url}/console/#/audit/case-2026-0077`);
    await page.waitForSelector('[data-testid=verdict].ok');
    expect(await page.locator('[data-testid=checks] tbody tr[data-ok=true]').count()).toBe(5);
    expect(await seen(page.locator('[data-testid=checks] tbody tr').first(), 'signature demo.health-1 (valide à la réception)')).toContain('signature demo.health-1 (valide à la réception)');
    await page.selectOption('#asof-org', 'demo.transport');
    expect(await seen(page.locator('[data-testid=asof-summary]'), 'demo.transport pouvait voir 3 événement(s)')).toContain('demo.transport pouvait voir 3 événement(s)');
    await shot(page, 'audit-case');
    await expectAccessible(page);

    const db = await PostgresDatabase.open({ url: scratch.url });
    try {
      await db.transaction(async (tx) => {
        await tx.query('ALTER TABLE es_events DISABLE TRIGGER USER');
        await tx.query(`UPDATE es_events SET data = jsonb_set(data, '{data,description}', '"changed"') WHERE stream_id = 'case-case-2026-0077' AND revision = 3`);
        await tx.query('ALTER TABLE es_events ENABLE TRIGGER USER');
      });
    } finally {
      await db.close();
    }
    await page.click('button:has-text("Vérifier à nouveau")');
    await page.waitForSelector('[data-testid=verdict].ko');
    expect(await seen(page.locator('[data-testid=verdict]'), 'Première défaillance : modification à la révision 3')).toContain('Première défaillance : modification à la révision 3');
    const verdicts = await page.locator('[data-testid=checks] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ok')));
    expect(verdicts).toEqual(['true', 'true', 'true', 'false', 'true']);
    expect(await seen(page.locator('#rev-3'), 'première défaillance')).toContain('première défaillance');
    expect(await seen(page.locator('#rev-3 .badge.ko'), 'chaîne')).toContain('chaîne');
    await shot(page, 'audit-tampered');

    const download = page.waitForEvent('download');
    await page.click('[data-testid=export]');
    const bundle = JSON.parse(await readFile((await (await download).path())!, 'utf8')) as { format: string; events: unknown[] };
    expect(bundle).toMatchObject({ format: 'passerelle-audit-bundle/1', events: expect.any(Array) });
    expect(bundle.events).toHaveLength(5);

    await page.goto(`${url}/console/#/federation`);
    await page.waitForSelector('[data-org="demo.transport"]');
    expect(await seen(page.locator('[data-org="demo.transport"]'), 'demo.transport-1')).toContain('demo.transport-1');
    await shot(page, 'federation');
    await expectAccessible(page);
    await page.close();
  }, 90_000);

  it('shows a publisher its rejected event with the code and the schema path', async () => {
    const request = JSON.parse(await readFile(join(ROOT, 'docs/examples/4-request.json'), 'utf8')) as { data: Record<string, unknown> } & Record<string, unknown>;
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...request, id: 'evt-0042-bad', data: { ...request.data, provider: 'Not An Org' } }));
    expect(await passerelle('publish', bad, '--as', 'demo.health')).toMatchObject({ code: 1, stdout: expect.stringContaining('SCHEMA.INVALID') });

    const page = await browser.context.newPage();
    await signIn(page, 'demo.health');
    await page.click('nav a[href="#/receipts"]');
    const row = page.locator('[data-testid=receipts] tr[data-event="evt-0042-bad"]');
    await row.waitFor();
    expect(await seen(row, 'refusé')).toContain('refusé');
    expect(await seen(row, 'SCHEMA.INVALID')).toContain('SCHEMA.INVALID');
    expect((await seen(row.locator('.pointer'), '/data/provider')).trim()).toBe('/data/provider');
    expect(await seen(page.locator('[data-testid=receipts] tr[data-event="evt-0042-1"]'), 'accepté')).toContain('accepté');
    await shot(page, 'receipts');
    await expectAccessible(page);

    await page.click('nav a[href="#/schemas"]');
    await page.click('button:has-text("case.ServiceRequested")');
    await page.fill('#payload', JSON.stringify({ service: 'licence-photo', description: 'y', requestedAt: '2026-11-30T09:02:00Z', provider: 'Not An Org' }));
    await page.click('form:has(#payload) button[type=submit]');
    expect(await seen(page.locator('[data-testid=validation]'), 'non conforme')).toContain('non conforme');
    // The data alone is checked, so the path starts at the data.
    expect((await seen(page.locator('[data-testid=validation] .pointer'), '/provider')).trim()).toBe('/provider');
    await shot(page, 'schemas');
    await expectAccessible(page);
    await page.close();
  }, 90_000);

  it('shows the channel dashboards with the simulator’s figures as the insights API counts them, suppressed cells as such', async () => {
    const simulated = await exec(process.execPath, [join(ROOT, 'bin/passerelle.js'), 'simulate', '--hub', url, '--key-dir', join(dir, 'keys'), '--cases', '60', '--days', '5', '--start', '2026-10-05', '--seed', '7', '--concurrency', '6', '--run', 'console']);
    expect(simulated.stdout).toMatch(/60 cases over 5 day\(s\) from 2026-10-05, (\d+)\/\1 events accepted/);
    const minted = (await (await fetch(`${url}/demo/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ organization: 'hub' }) })).json()) as { token: string };
    const tariff = await fetch(`${url}/insights/tariff`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${minted.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ currency: 'EUR', entries: ['counter', 'phone', 'web', 'mobile', 'mail', 'email', 'sms', 'chat'].map((channel, i) => ({ organization: 'demo.health', channel, unitCost: 2 + i * 1.5, validFrom: '2026-01-01' })) }),
    });
    expect(tariff.status).toBe(201);
    type Total = { day: string; channel: string; suppressed: boolean; requests: number | null };
    let answer: { position: string; totals: Total[] } = { position: '0', totals: [] };
    // The projection follows the log: wait until it has counted every simulated request.
    const deadline = Date.now() + 60_000;
    do {
      answer = (await (await fetch(`${url}/insights/channels?from=2026-10-05&to=2026-10-09`, { headers: { authorization: `Bearer ${minted.token}` } })).json()) as typeof answer;
      await new Promise((r) => setTimeout(r, 500));
    } while (answer.totals.filter((t) => t.channel === '*').reduce((n, t) => n + (t.requests ?? 0), 0) < 60 && Date.now() < deadline);
    expect(answer.totals.filter((t) => t.channel === '*').reduce((n, t) => n + (t.requests ?? 0), 0)).toBe(60);

    const page = await browser.context.newPage();
    await signIn(page, 'hub');
    await page.goto(`${url}/console/#/dashboards?from=2026-10-05&to=2026-10-09`);
    await page.waitForSelector('#chart-requests svg');
    const shown = await page.locator('[data-testid=table-requests] td').evaluateAll((cells) => cells.map((c) => ({ day: c.getAttribute('data-day'), channel: c.getAttribute('data-channel'), text: c.textContent!.trim() })));
    const expected = answer.totals.filter((t) => t.channel !== '*').map((t) => ({ day: t.day, channel: t.channel, text: t.suppressed ? 'masqué' : String(t.requests) }));
    expect(shown.filter((c) => expected.some((e) => e.day === c.day && e.channel === c.channel))).toEqual(expect.arrayContaining(expected));
    expect(shown.length).toBeGreaterThanOrEqual(expected.length);
    expect(expected.some((e) => e.text === 'masqué')).toBe(true); // five-day, sixty-case traffic leaves small cells
    const takeUp = answer.totals.find((t) => t.channel === '*' && !t.suppressed) as Total & { digitalTakeUp: number };
    expect(await page.locator(`[data-testid=table-takeup] td[data-day="${takeUp.day}"]`).innerText()).toBe(new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1 }).format(takeUp.digitalTakeUp));
    expect(await seen(page.locator('[data-testid=dash-meta]'), 'EUR v')).toContain('Cellules de moins de 5 dossiers masquées');
    await shot(page, 'dashboards');
    await expectAccessible(page);
    await page.close();
  }, 180_000);

  it('speaks French first and switches to English, dates and numbers included', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${url}/console/`);
    await page.evaluate(() => localStorage.removeItem('passerelle.lang'));
    await page.reload();
    expect((await seen(page.locator('h1'), 'Connexion')).trim()).toBe('Connexion');
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await shot(page, 'signin');
    await expectAccessible(page);

    await page.click('button:has-text("English")');
    expect((await seen(page.locator('h1'), 'Sign in')).trim()).toBe('Sign in');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.click('button[data-org="demo.transport"]');
    await page.waitForSelector('[data-testid=cases]');
    expect(await seen(page.locator('nav'), 'Cases')).toContain('Cases');
    await page.click('a[href="#/cases/case-2026-0042"]');
    await page.waitForSelector('[data-testid=timeline]');
    expect(await seen(page.locator('[data-testid=timeline] tbody tr').first(), '30 Nov 2026, 10:01:00')).toContain('30 Nov 2026, 10:01:00');
    await page.click('button:has-text("Français")');
    expect(await seen(page.locator('[data-testid=timeline] tbody tr').first(), '30 nov. 2026, 10:01:00')).toContain('30 nov. 2026, 10:01:00');
    await page.close();
  }, 60_000);

  it('signs in through the organization’s OpenID Provider (code with PKCE), refuses a forged state and a provider’s error, and shows an expired token’s reason', async () => {
    const page = await browser.context.newPage();
    await page.clock.install(); // the page's clock runs as usual, and can be moved on to the token's expiry
    const tokenRequests: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(`${op.issuer}/token`)) tokenRequests.push(request.url());
    });
    const toProvider = async () => {
      await browser.context.clearCookies(); // no session left at the provider: it asks who you are
      await page.goto(`${url}/console/#/signin`);
      const authorize = page.waitForRequest((request) => request.url().startsWith(`${op.issuer}/auth?`));
      await page.click('[data-testid=oidc-signin]');
      await page.waitForURL(`${op.issuer}/interaction/**`);
      return new URL((await authorize).url());
    };
    const logIn = async () => {
      await page.fill('input[name=login]', 'agent-7');
      await page.fill('input[name=password]', 'any');
      await page.click('button[type=submit]');
      await page.click('button[type=submit]:has-text("Continue")'); // the consent page
    };

    await page.goto(`${url}/console/`);
    expect(await seen(page.locator('#oidc-title'), 'Fournisseur d’identité')).toContain('Fournisseur d’identité de votre organisation');
    expect(await page.locator('main').innerText()).toContain(op.issuer);

    // The round trip: the provider's login, then back with a code the console exchanges with its verifier.
    await toProvider();
    await logIn();
    await page.waitForURL(`${url}/console/#/cases`);
    expect(await seen(page.locator('[data-testid=who]'), 'Agence de démonstration OIDC')).toContain('Agence de démonstration OIDC');
    await page.waitForSelector('[data-testid=no-cases]');
    expect(page.url()).toBe(`${url}/console/#/cases`); // the code and state are gone from the address bar
    const session = JSON.parse((await page.evaluate(() => sessionStorage.getItem('passerelle.session')))!) as { token: string; via: string };
    expect(session.via).toBe('oidc');
    const [header, claims] = session.token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ typ: 'at+jwt', kid: 'demo.oidc-1', alg: 'ES256' });
    expect(claims).toMatchObject({ iss: op.issuer, aud: 'urn:passerelle:hub', sub: 'agent-7', roles: ['publisher', 'subscriber'] });
    expect(tokenRequests).toHaveLength(1);
    // Ten minutes on, the provider's token has expired: the console goes back to sign-in and says so.
    await page.clock.fastForward('10:01');
    expect(await seen(page.locator('[data-testid=signin-reason]'), 'expiré')).toContain('Votre session a expiré ; connectez-vous à nouveau.');
    await page.waitForSelector('[data-testid=oidc-signin]');
    expect(await page.locator('[data-testid=who]').count()).toBe(0);

    // The authorization request the console sent: code, PKCE S256, a state, the hub as resource.
    const authorize = await toProvider();
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({ response_type: 'code', client_id: 'passerelle-console', redirect_uri: `${url}/console/`, code_challenge_method: 'S256', resource: 'urn:passerelle:hub', scope: 'openid' });
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // A link that comes back with another state (a forged or replayed answer) is refused, its code never used.
    await page.goto(`${url}/console/?code=forged-code&state=forged-state&iss=${encodeURIComponent(op.issuer)}`);
    expect(await seen(page.locator('[data-testid=signin-problem]'), 'SIGNIN.STATE_MISMATCH')).toContain('SIGNIN.STATE_MISMATCH');
    expect(await page.locator('[data-testid=who]').count()).toBe(0);
    expect(tokenRequests).toHaveLength(1);
    expect(page.url()).toBe(`${url}/console/#/signin`);

    // The user cancels at the provider: its error comes back in the redirect and is shown as it said it.
    await toProvider();
    await page.click('a:has-text("[ Cancel ]")');
    expect(await seen(page.locator('[data-testid=signin-problem]'), 'access_denied')).toContain('SIGNIN.PROVIDER_ERROR access_denied: End-User aborted interaction');
    expect(await page.locator('[data-testid=who]').count()).toBe(0);
    await shot(page, 'signin-refused');
    await expectAccessible(page);

    // A provider whose clock is 20 minutes behind issues a token already expired (its 10-minute life
    // over): the hub refuses it and the console stays at sign-in with the hub's reason.
    expect((await fetch(`${op.issuer}/test/clock`, { method: 'POST', body: JSON.stringify({ offsetSeconds: -1200 }) })).status).toBe(204);
    try {
      await toProvider();
      await logIn();
      expect(await seen(page.locator('[data-testid=problem]'), 'TOKEN.EXPIRED')).toContain('TOKEN.EXPIRED');
      expect(await page.locator('[data-testid=who]').count()).toBe(0);
      expect((await seen(page.locator('h1'), 'Connexion')).trim()).toBe('Connexion');
    } finally {
      await fetch(`${op.issuer}/test/clock`, { method: 'POST', body: JSON.stringify({ offsetSeconds: 0 }) });
    }

    // Pasting a token still works beside it.
    const { stdout: pasted } = await exec(process.execPath, [join(ROOT, 'bin/passerelle.js'), 'token', '--org', 'demo.transport', '--role', 'subscriber', '--key-dir', join(dir, 'keys')]);
    await page.fill('#token', `Bearer ${pasted.trim()}`);
    await page.click('form:has(#token) button[type=submit]');
    expect(await seen(page.locator('[data-testid=who]'), 'Vehicle and Licensing Agency')).toContain('Vehicle and Licensing Agency');
    expect(JSON.parse((await page.evaluate(() => sessionStorage.getItem('passerelle.session')))!)).toMatchObject({ via: 'token', organization: { id: 'demo.transport' } });
    await page.close();
  }, 120_000);

  it('sends a refused token back to sign-in with the hub’s reason, and shows a retrying banner while the hub is unreachable', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${url}/console/`);
    const { stdout: token } = await exec(process.execPath, [join(ROOT, 'bin/passerelle.js'), 'token', '--org', 'demo.transport', '--role', 'subscriber', '--ttl', '1', '--key-dir', join(dir, 'keys')]);
    await new Promise((r) => setTimeout(r, 2_000)); // past its one-second life
    await page.evaluate(
      (t) => sessionStorage.setItem('passerelle.session', JSON.stringify({ token: t, organization: { id: 'demo.transport', name: 'Vehicle and Licensing Agency (demo)' }, roles: ['subscriber'], expiresAt: new Date(Date.now() + 600_000).toISOString(), via: 'token' })),
      token.trim(),
    );
    await page.goto(`${url}/console/#/cases`);
    expect(await seen(page.locator('[data-testid=signin-reason]'), 'TOKEN.EXPIRED')).toContain('TOKEN.EXPIRED');
    expect((await seen(page.locator('h1'), 'Connexion')).trim()).toBe('Connexion');

    await signIn(page, 'demo.transport');
    await page.route('**/cases?*', (route) => route.abort('connectionrefused'));
    await page.goto(`${url}/console/#/schemas`);
    await page.goto(`${url}/console/#/cases`);
    expect(await seen(page.locator('[data-testid=unreachable]'), 'Le hub ne répond pas')).toContain('Le hub ne répond pas');
    await shot(page, 'unreachable');
    await page.unroute('**/cases?*');
    await page.waitForSelector('[data-testid=cases]', { timeout: 30_000 });
    await page.locator('[data-testid=unreachable]').waitFor({ state: 'detached' });
    await page.close();
  }, 90_000);
});
