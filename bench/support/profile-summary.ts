/**
 * Where a .cpuprofile's time went: self time by package (node_modules/<pkg>, the project's src/
 * folders, node internals), and the busiest functions.
 *
 *   node --import tsx bench/support/profile-summary.ts <file.cpuprofile>... [--top=25]   (several: summed)
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string): string {
  if (!url) return '(native / idle / gc)';
  const modules = url.split('node_modules/');
  if (modules.length > 1) {
    const parts = (modules.at(-1) as string).split('/');
    return (parts[0] as string).startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
  }
  const src = url.indexOf('/src/');
  if (src >= 0)
    return url
      .slice(src + 1)
      .split('/')
      .slice(0, 2)
      .join('/');
  if (url.startsWith('node:')) return url.split('/')[0] as string;
  return url;
}

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (files.length === 0) throw new Error('usage: profile-summary <file.cpuprofile>...');
const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
const profiles = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as Profile);
// Node ids are per profile: key them by profile too.
const byId = new Map<string, ProfileNode>();
const selfUs = new Map<string, number>();
profiles.forEach((profile, p) => {
  for (const n of profile.nodes) byId.set(`${p}:${n.id}`, n);
  profile.samples.forEach((id, i) => selfUs.set(`${p}:${id}`, (selfUs.get(`${p}:${id}`) ?? 0) + (profile.timeDeltas[i] ?? 0)));
});
let total = 0;
let idle = 0;
const byArea = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id) as ProfileNode;
  total += us;
  if (node.callFrame.functionName === '(idle)' || node.callFrame.functionName === '(program)') {
    if (node.callFrame.functionName === '(idle)') idle += us;
  }
  const key = area(node.callFrame.url) === '(native / idle / gc)' ? node.callFrame.functionName || '(anonymous)' : area(node.callFrame.url);
  byArea.set(key, (byArea.get(key) ?? 0) + us);
  const fn = `${node.callFrame.functionName || '(anonymous)'} ${area(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
}
const busy = total - idle;
const pct = (us: number) => `${((us / busy) * 100).toFixed(1)}%`.padStart(6);
console.log(
  `${files.length} profile(s): ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (shares below are of busy time)`,
);
console.log('\nby area (self time):');
for (const [k, us] of [...byArea]
  .filter(([k]) => k !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`${pct(us)}  ${k}`);
console.log('\nbusiest functions (self time):');
for (const [k, us] of [...byFunction]
  .filter(([k]) => !k.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, top))
  console.log(`${pct(us)}  ${k}`);
