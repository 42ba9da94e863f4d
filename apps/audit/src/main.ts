import 'reflect-metadata';
import { main } from '@passerelle/platform';
import { auditComponent } from '.';

main('audit', [auditComponent]);
