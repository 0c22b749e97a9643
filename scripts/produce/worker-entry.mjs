// Worker thread bootstrap: register the TypeScript loader, then load the real worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
