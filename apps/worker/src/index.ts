export { type RunningWorker, startWorker } from './main.js';
