import { sliceCells } from './cells.ts';

sliceCells('3.2.7');
