import { CommandError, type Output } from '../cli-output';
import { authenticatedClient, type HubOptions } from '../hub-client';

interface Parked {
  id: string;
  component: string;
  source: { kind: 'kafka'; topic: string; partition: number; offset: string } | { kind: 'store'; position: string; streamId: string };
  caseId: string | null;
  error: { code: string; message: string; retriable: boolean };
  attempts: number;
  heldBehind: string | null;
  status: string;
  parkedAt: string;
  bytes: number;
}

type Refusal = { code?: string; message?: string };

function where(p: Parked): string {
  return p.source.kind === 'kafka' ? `${p.source.topic}/${p.source.partition}@${p.source.offset}` : `store position ${p.source.position}`;
}

function refused(status: number, body: Refusal): CommandError {
  return new CommandError(`the hub refused (${status} ${body.code ?? ''}): ${body.message ?? 'no reason given'}`);
}

/** `passerelle parked list`: what is parked, oldest first, with the counts per component. */
export async function parkedListCommand(options: HubOptions & { status?: string; component?: string }, output: Output): Promise<number> {
  const client = await authenticatedClient(options, ['operator']);
  const query = new URLSearchParams({ ...(options.status ? { status: options.status } : {}), ...(options.component ? { component: options.component } : {}) }).toString();
  const { status, body } = await client.request<{ counts: Array<{ component: string; status: string; count: number }>; messages: Parked[] } & Refusal>('GET', `/parked${query ? `?${query}` : ''}`);
  if (status !== 200) throw refused(status, body);
  if (options.json) {
    output.out(JSON.stringify(body, null, 2));
    return 0;
  }
  if (body.messages.length === 0) output.out(`nothing ${options.status && options.status !== 'waiting' ? options.status : 'parked'}`);
  for (const p of body.messages) {
    const why = p.heldBehind ? `held behind ${p.heldBehind}` : `${p.error.code} after ${p.attempts} attempt${p.attempts === 1 ? '' : 's'}: ${p.error.message.slice(0, 120)}`;
    output.out(`${p.id.padStart(6)}  ${p.status.padEnd(16)} ${p.component.padEnd(22)} case ${p.caseId ?? '-'}  ${where(p)}  ${why}`);
  }
  for (const c of body.counts) output.out(`  ${c.component}: ${c.count} ${c.status}`);
  return 0;
}

/** `passerelle parked show <id>`: one parked message, its error and its original bytes. */
export async function parkedShowCommand(id: string, options: HubOptions, output: Output): Promise<number> {
  const client = await authenticatedClient(options, ['operator']);
  const { status, body } = await client.request<Parked & { value: string; text: string | null; headers: Record<string, string> } & Refusal>('GET', `/parked/${encodeURIComponent(id)}`);
  if (status === 404) {
    output.out(`✗ ${body.message ?? `no parked message ${id}`}`);
    return 1;
  }
  if (status !== 200) throw refused(status, body);
  if (options.json) {
    output.out(JSON.stringify(body, null, 2));
    return 0;
  }
  output.out(`parked message ${body.id}: ${body.status}, ${body.component}, case ${body.caseId ?? '-'}, from ${where(body)}, parked at ${body.parkedAt}`);
  output.out(`error: ${body.error.code}${body.error.retriable ? ' (retriable)' : ''} after ${body.attempts} attempt${body.attempts === 1 ? '' : 's'}: ${body.error.message}`);
  if (body.heldBehind) output.out(`held behind parked message ${body.heldBehind}, to keep its case in order`);
  for (const [name, value] of Object.entries(body.headers)) output.out(`header ${name}: ${value}`);
  output.out(body.text === null ? `bytes (${body.bytes}, base64): ${body.value}` : `bytes (${body.bytes}): ${body.text}`);
  return 0;
}

/** `passerelle parked replay <id>`: asks the owning component to replay the message's case. */
export async function parkedReplayCommand(id: string, options: HubOptions, output: Output): Promise<number> {
  const client = await authenticatedClient(options, ['operator']);
  const { status, body } = await client.request<{ requested: Parked[] } & Refusal>('POST', `/parked/${encodeURIComponent(id)}/replay`);
  if (status === 404 || status === 409) {
    output.out(`✗ ${body.message ?? `parked message ${id} cannot be replayed`}`);
    return 1;
  }
  if (status !== 202) throw refused(status, body);
  if (options.json) {
    output.out(JSON.stringify(body, null, 2));
    return 0;
  }
  output.out(`replay asked of ${body.requested[0]?.component ?? 'its component'} for ${body.requested.length} message${body.requested.length === 1 ? '' : 's'} (${body.requested.map((p) => p.id).join(', ')}), oldest first; see \`passerelle parked list\``);
  return 0;
}
