import 'reflect-metadata';
import { main } from '@passerelle/platform';
import { gatewayComponent } from '.';

main('gateway', [gatewayComponent]);
