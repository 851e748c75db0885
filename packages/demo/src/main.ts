/**
 * @module The talk's demo entry point (being written: see issue 5). For now it lists what goscale exports.
 */
import * as goscale from 'goscale';

const names = Object.keys(goscale).sort();
process.stdout.write(`goscale exports ${names.length} names: ${names.join(', ')}\n`);
