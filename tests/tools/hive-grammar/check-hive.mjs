// Parses a HiveQL script with dt-sql-parser's Hive grammar (an ANTLR4 port of Apache
// Hive's HiveParser.g) and prints every syntax error. Exit 0: it parses; 1: errors;
// 2: bad usage. Usage: node --import ./register.mjs check-hive.mjs FILE.sql
import fs from 'node:fs';
import { HiveSQL } from 'dt-sql-parser';

if (process.argv.length !== 3) {
  console.error('usage: node --import ./register.mjs check-hive.mjs FILE.sql');
  process.exit(2);
}
const text = fs.readFileSync(process.argv[2], 'utf8');
const parser = new HiveSQL();
const errors = parser.validate(text);
for (const error of errors.slice(0, 20)) {
  console.log(`line ${error.startLine}:${error.startColumn}: ${error.message}`);
}
const statements = parser.splitSQLByStatement(text) || [];
console.log(`hive grammar: ${statements.length} statements, ${errors.length} errors`);
process.exit(errors.length === 0 ? 0 : 1);
