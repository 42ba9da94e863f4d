import { MissingPrerequisite, CHROMIUM_ARGS } from '@passerelle/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

import axe from 'axe-core';

const AXE_SOURCE: string = axe.source;

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Debian's Chromium (found or installed by the integration project's global setup), driven
 * by playwright-core, on a fresh profile that is deleted afterwards.
 */
export async function launchBrowser(locale = 'fr-FR'): Promise<Browser> {
  const executablePath = process.env.PASSERELLE_TEST_CHROMIUM;
  if (!executablePath) throw new MissingPrerequisite(process.env.PASSERELLE_TEST_CHROMIUM_MISSING ?? 'no Chromium: the integration global setup did not run');
  const profile = await mkdtemp(join(tmpdir(), 'passerelle-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: CHROMIUM_ARGS,
    headless: true,
    locale,
    timezoneId: 'Europe/Paris',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core's WCAG 2.x A and AA rules on the page as it stands; the serious and critical findings. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the console's CSP allows no inline script tag.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const page = globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: AxeViolation[] }> }; document: unknown };
    const result = await page.axe.run(page.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Waits (up to `timeoutMs`) until the element shows `text`, and returns all it shows. */
export async function seen(locator: Locator, text: string, timeoutMs = 30_000): Promise<string> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: timeoutMs });
  return locator.first().innerText();
}
