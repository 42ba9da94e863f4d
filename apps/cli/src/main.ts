import { run } from './program';

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`passerelle: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
