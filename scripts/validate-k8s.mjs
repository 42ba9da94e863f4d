#!/usr/bin/env node
// Validates Kubernetes manifests offline against the official API schemas (the OpenAPI
// definitions of Kubernetes, compiled into the kubernetes-models package): every document
// of every file given, or of deploy/k8s/*.yaml. One line per document; exit 1 if any fails.
//   node scripts/validate-k8s.mjs [file.yaml ...]
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const files = process.argv.length > 2 ? process.argv.slice(2) : (await readdir(join(root, 'deploy/k8s'))).filter((f) => f.endsWith('.yaml')).map((f) => join(root, 'deploy/k8s', f));

let failed = 0;
for (const file of files) {
  const name = relative(process.cwd(), file);
  for (const document of parseAllDocuments(await readFile(file, 'utf8'))) {
    if (document.errors.length > 0) {
      failed += 1;
      console.log(`✗ ${name}: not YAML: ${document.errors[0].message.split('\n')[0]}`);
      continue;
    }
    const manifest = document.toJS();
    if (manifest === null) continue;
    const what = `${manifest.kind}/${manifest.metadata?.name ?? '?'}`;
    const model = await modelOf(manifest.apiVersion, manifest.kind);
    if (!model) {
      failed += 1;
      console.log(`✗ ${name}: ${what}: no schema for ${manifest.apiVersion} ${manifest.kind}`);
      continue;
    }
    try {
      new model(manifest).validate();
      console.log(`✓ ${name}: ${what} (${manifest.apiVersion})`);
    } catch (err) {
      failed += 1;
      console.log(`✗ ${name}: ${what}: ${err.message.split('\n')[0]}`);
    }
  }
}
process.exit(failed > 0 ? 1 : 0);

/** kubernetes-models/<group>/<version>/<Kind>, the core group being kubernetes-models/v1. */
async function modelOf(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[A-Za-z0-9]+$/.test(kind)) return undefined;
  try {
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`);
    return module[kind];
  } catch {
    return undefined;
  }
}
