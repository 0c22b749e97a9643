import { sliceCells } from './cells.ts';

sliceCells('3.4.3');
