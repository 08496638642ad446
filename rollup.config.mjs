// One array of builds for the whole workspace: ESM + CJS + .d.ts per package,
// plus the browser SDK's minified IIFE. Externals come from each package.json,
// so a package never bundles what it declares as a dependency.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import nodeResolve from '@rollup/plugin-node-resolve';
import { dts } from 'rollup-plugin-dts';
import esbuild from 'rollup-plugin-esbuild';

/** What each package publishes. `entries` map output names to sources; `cjs: false` for Node-only ESM apps. */
const PACKAGES = [
  { dir: 'schema', entries: { index: 'src/index.ts', constants: 'src/constants.ts' } },
  { dir: 'sdk-core', entries: { index: 'src/index.ts' } },
  {
    dir: 'sdk-browser',
    entries: { index: 'src/index.ts' },
    iife: { input: 'src/script-tag.ts', file: 'dist/exhaust.min.js', name: 'exhaust' },
  },
  { dir: 'sdk-node', entries: { index: 'src/index.ts' } },
  { dir: 'react', entries: { index: 'src/index.ts' } },
  {
    dir: 'collector',
    entries: { index: 'src/index.ts', cli: 'src/cli.ts', 'sqlite-worker': 'src/store/sqlite/worker.ts' },
    types: ['index'],
    cjs: false,
  },
];

const TARGET = 'es2020';
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function externalsOf(pkg) {
  const names = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies });
  return (id) => builtins.has(id) || names.some((name) => id === name || id.startsWith(`${name}/`));
}

const builds = [];
for (const spec of PACKAGES) {
  const root = join('packages', spec.dir);
  const pkgFile = join(root, 'package.json');
  if (!existsSync(pkgFile)) continue;
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const entries = Object.fromEntries(
    Object.entries(spec.entries)
      .map(([name, src]) => [name, join(root, src)])
      .filter(([, src]) => existsSync(src)),
  );
  if (Object.keys(entries).length === 0) continue;
  // Start from an empty dist/: chunk names carry hashes, and stale ones would pile up and ship.
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const external = externalsOf(pkg);
  const output = [
    {
      dir: join(root, 'dist'),
      format: 'es',
      entryFileNames: '[name].js',
      chunkFileNames: 'chunks/[name]-[hash].js',
      sourcemap: true,
    },
  ];
  if (spec.cjs !== false) {
    output.push({
      dir: join(root, 'dist'),
      format: 'cjs',
      entryFileNames: '[name].cjs',
      chunkFileNames: 'chunks/[name]-[hash].cjs',
      sourcemap: true,
      exports: 'named',
    });
  }
  builds.push({
    input: entries,
    external,
    plugins: [
      nodeResolve({ exportConditions: ['source'], extensions: ['.ts', '.tsx', '.js'] }),
      esbuild({ target: TARGET, jsx: 'automatic' }),
    ],
    output,
  });
  const typed = Object.fromEntries(
    Object.entries(entries).filter(([name]) => !spec.types || spec.types.includes(name)),
  );
  builds.push({
    input: typed,
    external,
    plugins: [
      dts({ tsconfig: join(root, 'tsconfig.json'), compilerOptions: { noEmit: false, customConditions: ['source'] } }),
    ],
    output: { dir: join(root, 'dist'), format: 'es', entryFileNames: '[name].d.ts' },
  });
  if (spec.iife && existsSync(join(root, spec.iife.input))) {
    // The script-tag build bundles everything it imports (idb-keyval included), minified.
    builds.push({
      input: join(root, spec.iife.input),
      plugins: [
        nodeResolve({ browser: true, exportConditions: ['source'], extensions: ['.ts', '.js'] }),
        esbuild({ target: TARGET, minify: true, legalComments: 'none' }),
      ],
      // A hidden map: the file stays debuggable without a sourceMappingURL comment in every visitor's download.
      output: { file: join(root, spec.iife.file), format: 'iife', name: spec.iife.name, sourcemap: 'hidden' },
    });
  }
}

// The operator console (packages/collector/console): a Preact app the collector serves at /console/.
// Everything is bundled and minified; file names carry content hashes so the collector can let
// browsers cache them for good, and index.html is written here with those names.
const CONSOLE_ROOT = join('packages', 'collector', 'console');
if (existsSync(join(CONSOLE_ROOT, 'main.tsx'))) {
  builds.push({
    input: join(CONSOLE_ROOT, 'main.tsx'),
    plugins: [
      nodeResolve({ browser: true, exportConditions: ['source'], extensions: ['.ts', '.tsx', '.js'] }),
      esbuild({ target: TARGET, jsx: 'automatic', jsxImportSource: 'preact', minify: true, legalComments: 'none' }),
      consolePage(),
    ],
    output: {
      dir: join('packages', 'collector', 'dist', 'console'),
      format: 'es',
      entryFileNames: 'assets/console-[hash].js',
      chunkFileNames: 'assets/[name]-[hash].js',
      assetFileNames: 'assets/[name]-[hash][extname]',
      sourcemap: 'hidden',
    },
  });
}

/** Emits the console's stylesheet (uPlot's, then ours) and index.html naming the hashed files. */
function consolePage() {
  return {
    name: 'exhaust-console-page',
    generateBundle(_options, bundle) {
      const css = [
        join('packages', 'collector', 'node_modules', 'uplot', 'dist', 'uPlot.min.css'),
        join(CONSOLE_ROOT, 'styles.css'),
      ]
        .map((file) => readFileSync(file, 'utf8'))
        .join('\n');
      const styles = this.getFileName(this.emitFile({ type: 'asset', name: 'console.css', source: css }));
      const entry = Object.values(bundle).find((file) => file.type === 'chunk' && file.isEntry);
      const html = readFileSync(join(CONSOLE_ROOT, 'index.html'), 'utf8')
        .replace('%STYLES%', styles)
        .replace('%SCRIPT%', entry.fileName);
      this.emitFile({ type: 'asset', fileName: 'index.html', source: html });
    },
  };
}

export default builds;
