export { buildProgram, main } from './main.ts';
export { runDemo } from './demo.ts';
