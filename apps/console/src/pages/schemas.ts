import { html, nothing, render } from 'lit-html';
import { api } from '../api';
import { t } from '../i18n';
import { badge, loading, problem } from './common';

interface Subject {
  subject: string;
  versions: number[];
  compatibility: string;
  category?: string;
  classification?: string;
}

interface Schema {
  $id?: string;
  title?: string;
  description?: string;
  properties?: Record<string, { description?: string; type?: string; $ref?: string }>;
  required?: string[];
  examples?: unknown[];
}

interface Issue {
  pointer: string;
  message: string;
}

/** The shared contract: types and versions, each schema, and two checks that register nothing. */
export function schemasPage(el: HTMLElement): void {
  let subjects: Subject[] | undefined;
  let error: unknown;
  let selected: Subject | undefined;
  let version = 0;
  let schema: Schema | undefined;
  let validation: { valid: boolean; code?: string; errors: Issue[] } | undefined;
  let compatibility: { compatible: boolean; mode: string; incompatibilities: Array<{ path: string; reason: string; direction: string }> } | undefined;
  let formError: unknown;

  const typeName = () => (selected ? `passerelle.${selected.subject}.v${version}` : '');

  const draw = () =>
    render(
      html`<h1>${t('schemas.title')}</h1>
        ${error ? problem(error) : nothing}
        ${!subjects
          ? loading()
          : html`<div class="split">
              <table data-testid="subjects">
                <caption>${t('schemas.subjects')}</caption>
                <thead><tr><th scope="col">${t('schemas.subject')}</th><th scope="col">${t('schemas.versions')}</th><th scope="col">${t('schemas.mode')}</th><th scope="col">${t('schemas.category')}</th><th scope="col">${t('schemas.classification')}</th></tr></thead>
                <tbody>
                  ${subjects.map(
                    (s) => html`<tr aria-selected=${String(s === selected)}>
                      <td><button type="button" class="link" @click=${() => void pick(s, Math.max(...s.versions))}>${s.subject}</button></td>
                      <td>${s.versions.map((v) => html`<button type="button" class="link" aria-label=${`${s.subject} v${v}`} @click=${() => void pick(s, v)}>v${v}</button> `)}</td>
                      <td>${s.compatibility}</td>
                      <td>${s.category ?? '—'}</td>
                      <td>${s.classification ? t(`classification.${s.classification}` as never) : '—'}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>
              <div>
                ${selected && schema
                  ? html`<section aria-labelledby="schema-title" data-testid="schema">
                      <h2 id="schema-title">${schema.title ?? selected.subject} <span class="muted">v${version}</span></h2>
                      <p><code>${schema.$id}</code></p>
                      ${schema.description ? html`<p>${schema.description}</p>` : nothing}
                      <table>
                        <caption>${t('schemas.fields')}</caption>
                        <thead><tr><th scope="col">${t('schemas.field')}</th><th scope="col">${t('schemas.required')}</th><th scope="col">${t('schemas.describe')}</th></tr></thead>
                        <tbody>
                          ${Object.entries(schema.properties ?? {}).map(([name, p]) => html`<tr><td><code>${name}</code></td><td>${schema!.required?.includes(name) ? t('yes') : t('no')}</td><td>${p.description ?? p.type ?? p.$ref?.replace(/^urn:passerelle:schema:/, '') ?? ''}</td></tr>`)}
                        </tbody>
                      </table>
                      ${schema.examples?.length ? html`<h3>${t('schemas.examples')}</h3>${schema.examples.map((x) => html`<pre>${JSON.stringify(x, null, 2)}</pre>`)}` : nothing}
                      <details><summary>${t('schemas.document')}</summary><pre>${JSON.stringify(schema, null, 2)}</pre></details>

                      <h3>${t('schemas.validate')}</h3>
                      <form @submit=${(e: Event) => { e.preventDefault(); void validate(String(new FormData(e.target as HTMLFormElement).get('payload'))); }}>
                        <label for="payload">${t('schemas.payload', { type: typeName() })}</label>
                        <textarea id="payload" name="payload" rows="8" spellcheck="false">${JSON.stringify(schema.examples?.[0] ?? {}, null, 2)}</textarea>
                        <button type="submit">${t('schemas.check')}</button>
                      </form>
                      ${validation
                        ? html`<div role="status" data-testid="validation">
                            ${badge(validation.valid, validation.valid ? t('schemas.valid') : t('schemas.invalid'))}
                            ${validation.code ? html`<code>${validation.code}</code>` : nothing}
                            <ul class="paths">${validation.errors.map((i) => html`<li><code class="pointer">${i.pointer || '/'}</code> ${i.message}</li>`)}</ul>
                          </div>`
                        : nothing}

                      <h3>${t('schemas.compat')}</h3>
                      <form @submit=${(e: Event) => { e.preventDefault(); void checkCompatibility(String(new FormData(e.target as HTMLFormElement).get('candidate'))); }}>
                        <label for="candidate">${t('schemas.candidate', { subject: selected.subject, mode: selected.compatibility })}</label>
                        <textarea id="candidate" name="candidate" rows="8" spellcheck="false">${JSON.stringify({ ...schema, $id: schema.$id?.replace(/:v\d+$/, `:v${Math.max(...selected.versions) + 1}`) }, null, 2)}</textarea>
                        <button type="submit">${t('schemas.checkCompat')}</button>
                      </form>
                      ${compatibility
                        ? html`<div role="status" data-testid="compatibility">
                            ${badge(compatibility.compatible, compatibility.compatible ? t('schemas.compatible', { mode: compatibility.mode }) : t('schemas.incompatible', { mode: compatibility.mode }))}
                            <ul class="paths">${compatibility.incompatibilities.map((i) => html`<li><code class="pointer">${i.path || '/'}</code> ${i.reason} <span class="muted">(${t(`direction.${i.direction}` as never)})</span></li>`)}</ul>
                          </div>`
                        : nothing}
                      ${formError ? problem(formError) : nothing}
                    </section>`
                  : html`<p class="muted">${t('schemas.pickOne')}</p>`}
              </div>
            </div>`}`,
      el,
    );

  const pick = async (subject: Subject, v: number) => {
    selected = subject;
    version = v;
    validation = undefined;
    compatibility = undefined;
    formError = undefined;
    try {
      schema = await api<Schema>(`/subjects/${encodeURIComponent(subject.subject)}/versions/${v}`, { auth: false });
    } catch (err) {
      error = err;
    }
    draw();
  };

  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch (err) {
      formError = new Error(t('schemas.notJson', { reason: (err as Error).message }));
      draw();
      return undefined;
    }
  };

  const validate = async (text: string) => {
    formError = undefined;
    const body = parse(text);
    if (body === undefined) return;
    try {
      validation = await api(`/validate?type=${encodeURIComponent(typeName())}`, { method: 'POST', body, auth: false });
    } catch (err) {
      formError = err;
    }
    draw();
  };

  const checkCompatibility = async (text: string) => {
    formError = undefined;
    const body = parse(text);
    if (body === undefined || !selected) return;
    try {
      compatibility = await api(`/subjects/${encodeURIComponent(selected.subject)}/compatibility`, { method: 'POST', body, auth: false });
    } catch (err) {
      formError = err;
    }
    draw();
  };

  draw();
  api<Subject[]>('/subjects', { auth: false }).then(
    (list) => {
      subjects = list.sort((a, b) => a.subject.localeCompare(b.subject));
      draw();
    },
    (err: unknown) => {
      error = err;
      draw();
    },
  );
}
