import { sliceCells } from './cells.ts';

sliceCells('4.6.6');
