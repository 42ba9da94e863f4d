import 'reflect-metadata';
import { main } from '@passerelle/platform';
import { insightsComponent } from '.';

main('insights', [insightsComponent]);
