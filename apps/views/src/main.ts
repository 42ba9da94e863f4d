import 'reflect-metadata';
import { main } from '@passerelle/platform';
import { viewsComponent } from '.';

main('views', [viewsComponent]);
