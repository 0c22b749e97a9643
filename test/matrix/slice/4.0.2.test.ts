import { sliceCells } from './cells.ts';

sliceCells('4.0.2');
