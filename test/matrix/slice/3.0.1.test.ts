import { sliceCells } from './cells.ts';

sliceCells('3.0.1');
