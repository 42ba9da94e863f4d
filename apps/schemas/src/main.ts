import 'reflect-metadata';
import { main } from '@passerelle/platform';
import { schemasComponent } from '.';

main('schemas', [schemasComponent]);
