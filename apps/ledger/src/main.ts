import 'reflect-metadata';
import { main } from '@passerelle/platform';
import { ledgerComponent } from '.';

main('ledger', [ledgerComponent]);
