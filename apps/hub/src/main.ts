import 'reflect-metadata';
import { main } from '@passerelle/platform';
import { selectComponents } from './components';

try {
  main('hub', selectComponents(process.env.PASSERELLE_TARGET));
} catch (err) {
  process.stderr.write(`passerelle hub: cannot start: ${(err as Error).message}\n`);
  process.exit(1);
}
