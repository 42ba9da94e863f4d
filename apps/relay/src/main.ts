import 'reflect-metadata';
import { main } from '@passerelle/platform';
import { relayComponent } from '.';

main('relay', [relayComponent]);
