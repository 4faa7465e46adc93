// After `vite build`: write the service worker with the list of files to
// precache, then precompress text files (.br and .gz siblings) for the Go
// handler to serve. Everything here is deterministic (sorted walks, no
// timestamps, fixed gzip header) so CI can rebuild dist and compare bytes.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

// Stale compressed files from an earlier build would be served for files
// that no longer exist; vite empties dist, but be sure.
for (const f of walk(dist)) if (f.endsWith('.br') || f.endsWith('.gz')) unlinkSync(f);

const files = walk(dist).map((f) => '/' + relative(dist, f).split('\\').join('/'));
const precache = files.filter((f) => f !== '/sw.js' && !f.endsWith('.map'));
const template = readFileSync(join(root, 'sw', 'sw.js'));
const hash = createHash('sha256').update(template);
for (const f of precache) hash.update(f).update(readFileSync(join(dist, f)));
const version = hash.digest('hex').slice(0, 16);

const sw = template.toString('utf8')
  .replace("'__VERSION__'", JSON.stringify(version))
  .replace('__PRECACHE__', JSON.stringify(precache));
writeFileSync(join(dist, 'sw.js'), sw);

const compressible = /\.(js|mjs|css|html|svg|json|webmanifest|txt|map)$/;
let n = 0;
for (const f of walk(dist)) {
  if (!compressible.test(f)) continue;
  const data = readFileSync(f);
  if (data.length < 256) continue;
  const gz = gzipSync(data, { level: 9 });
  gz[9] = 255; // OS byte: "unknown" everywhere, so macOS and Linux builds match
  const br = brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  });
  if (gz.length < data.length) writeFileSync(f + '.gz', gz);
  if (br.length < data.length) writeFileSync(f + '.br', br);
  n++;
}
console.log(`postbuild: sw.js version ${version}, ${precache.length} files precached, ${n} compressed`);
