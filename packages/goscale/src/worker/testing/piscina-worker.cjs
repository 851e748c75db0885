// A worker file written for piscina, used unchanged by the WorkerPool tests.
const Piscina = require('piscina');

module.exports = ({ a, b }) => a + b;
module.exports.square = (x) => x * x;
module.exports.buffer = (n) => Piscina.move(new Uint8Array(n).fill(3));
module.exports.echo = (x) => x;
