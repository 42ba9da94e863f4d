import { readFile } from 'node:fs/promises';
import { signEvent } from '@passerelle/identity';
import { CommandError, type Output } from '../cli-output';
import { authenticatedClient, type HubOptions } from '../hub-client';
import { keyDir, readKeyFile } from '../org/key-files';

/**
 * `passerelle publish <event.json> --as <org>`: signs the envelope with the organization's local
 * key and publishes it through the gateway, printing the receipt. 0 accepted, 1 rejected.
 */
export async function publishCommand(file: string, options: HubOptions & { ifMatch?: string }, output: Output): Promise<number> {
  if (!options.as) throw new CommandError('--as <organization> names the publisher, whose local key signs the event');
  let envelope: Record<string, unknown>;
  try {
    envelope = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new CommandError(`cannot read ${file} as JSON: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (typeof envelope !== 'object' || envelope === null || typeof envelope.caseid !== 'string') throw new CommandError(`${file} is not an event envelope with a caseid`);
  const key = await readKeyFile(keyDir(options.keyDir), options.as);
  const signature = await signEvent(envelope, { privateJwk: key.privateJwk, kid: key.kid, alg: key.alg });
  const client = await authenticatedClient(options, ['publisher']);
  const headers: Record<string, string> = { 'passerelle-signature': signature };
  if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
  const { status, body } = await client.request<Record<string, unknown>>('POST', `/cases/${encodeURIComponent(envelope.caseid)}/events`, JSON.stringify(envelope), headers);
  if (options.json) {
    output.out(JSON.stringify(body, null, 2));
  } else if (status === 201) {
    output.out(`✓ accepted  ${String(body.eventId)}  case ${String(body.caseId)} revision ${String(body.revision)}  position ${String(body.position)}  hash ${String(body.hash)}`);
  } else if (status === 202) {
    output.out(`… pending  ${String(body.message)}`);
  } else {
    output.out(`✗ rejected (${status})  ${String(body.code)}: ${String(body.message ?? body.reason)}`);
    for (const e of (body.errors as Array<{ pointer: string; message: string }> | undefined) ?? []) output.out(`    ${e.pointer || '/'}  ${e.message}`);
  }
  return status === 201 || status === 202 ? 0 : 1;
}
