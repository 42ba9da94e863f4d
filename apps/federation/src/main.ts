import 'reflect-metadata';
import { main } from '@passerelle/platform';
import { federationComponent } from '.';

main('federation', [federationComponent]);
