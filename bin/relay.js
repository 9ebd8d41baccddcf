#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader: one runtime for the CLI, the demo, the tests and the image.
import { register } from 'tsx/esm/api';

register();
await import('../apps/cli/src/main.ts');
