// lab.mjs drives the JupyterLab built in .ci/jupyterlab in headless
// Chromium, the way a learner does, and checks in the page that:
//   - a notebook nobody ran here (executed headlessly beforehand, so it
//     holds outputs but no trust) opens untrusted with gokernel, started
//     from its metadata, and every timeline in it shows as a picture;
//   - Run > Run All Cells runs each course notebook with no unexpected
//     error, and afterwards every timeline is inline SVG with hover titles
//     whose text has at least 4.5:1 contrast against the cell background,
//     in the light theme and in the dark one;
//   - in a notebook of its own: Tab completes a package member and a name
//     from an earlier cell; Shift+Tab shows documentation; the stop button
//     interrupts a sleeping cell and the kernel still runs cells; the
//     restart button restarts it; a cell reading with fmt.Scan shows the
//     input box and gets the typed answer; %help shows its text;
//   - with --jupyter, the first notebook exported by jupyter nbconvert
//     --to html shows every timeline inline with hover titles.
// Screenshots (light and dark) go to --artifacts.
//
// Usage: node lab.mjs --work DIR --artifacts DIR --notebooks A.ipynb,B.ipynb,...
//                     [--lab .ci/jupyterlab] [--python /usr/bin/python3]
//                     [--jupyter /usr/bin/jupyter] [--timeout-ms N]
//
// The gokernel kernel spec must be on JUPYTER_PATH, and .ci/jupyterlab
// built (npm ci && npx webpack there).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
	const args = {
		lab: path.join(here, '..', 'jupyterlab'),
		python: '/usr/bin/python3',
		timeoutMs: 300000,
	};
	for (let i = 0; i < argv.length; i += 2) {
		const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
		args[key] = argv[i + 1];
	}
	for (const need of ['work', 'artifacts', 'notebooks']) {
		if (!args[need]) throw new Error(`missing --${need}; usage: node lab.mjs --work DIR --artifacts DIR --notebooks A.ipynb,B.ipynb,...`);
	}
	args.notebooks = args.notebooks.split(',');
	args.timeoutMs = Number(args.timeoutMs);
	return args;
}

function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
		srv.on('error', reject);
	});
}

async function waitForServer(url, proc, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (proc.exitCode !== null) throw new Error(`the JupyterLab server exited with status ${proc.exitCode}`);
		try {
			const res = await fetch(url);
			if (res.ok) return;
		} catch { /* not up yet */ }
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`the JupyterLab server did not answer at ${url} within ${timeoutMs} ms`);
}

// The learner's own notebook: cells for the interactive checks.
const learnerCells = {
	declare: 'func totalOrders() int { return 42 }',
	member: 'strings.ToUp',
	earlier: 'totalOr',
	doc: 'fmt.Println',
	sleep: 'time.Sleep(time.Minute)',
	after: 'fmt.Println("after the interrupt:", totalOrders()+1)',
	scan: 'var name string\nfmt.Print("your name? ")\nfmt.Scan(&name)\nfmt.Println("hello,", name)',
	help: '%help',
	restarted: 'fmt.Println(6 * 7)',
};
const learnerIndex = Object.fromEntries(Object.keys(learnerCells).map((k, i) => [k, i]));

function learnerNotebook() {
	return {
		nbformat: 4,
		nbformat_minor: 5,
		metadata: {
			kernelspec: { name: 'gokernel', display_name: 'Go (gokernel)', language: 'go' },
			language_info: { name: 'go' },
		},
		cells: Object.entries(learnerCells).map(([id, source]) => ({
			cell_type: 'code', id, metadata: {}, execution_count: null, outputs: [], source,
		})),
	};
}

// lab holds the page and what the checks share.
class Lab {
	constructor(page, timeoutMs) {
		this.page = page;
		this.timeoutMs = timeoutMs;
	}

	// open opens a notebook from the file browser's directory and waits
	// until its kernel is idle; it returns the kernel's name.
	async open(name) {
		await this.page.evaluate((p) => window.jupyterapp.commands.execute('docmanager:open', { path: p }), name);
		await this.page.waitForFunction((p) => {
			const w = window.jupyterapp.shell.currentWidget;
			return w && w.context && w.context.path === p && w.sessionContext.session
				&& w.sessionContext.session.kernel && w.sessionContext.session.kernel.status === 'idle';
		}, name, { timeout: 120000, polling: 250 });
		return this.page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.name);
	}

	// runAll chooses Run > Run All Cells and waits until every code cell
	// has run and the kernel is idle; it returns the seconds taken.
	async runAll() {
		const start = Date.now();
		await this.page.click('.lm-MenuBar-item:has-text("Run")');
		await this.page.click('.lm-Menu-item:has-text("Run All Cells")');
		await this.page.waitForFunction(() => {
			const w = window.jupyterapp.shell.currentWidget;
			const cells = w.content.widgets.filter((c) => c.model.type === 'code' && c.model.sharedModel.getSource().trim() !== '');
			const prompts = [...w.node.querySelectorAll('.jp-InputPrompt')].map((p) => p.textContent);
			return cells.every((c) => c.model.executionCount !== null) && !prompts.some((t) => t.includes('*'))
				&& w.sessionContext.session.kernel.status === 'idle';
		}, null, { timeout: this.timeoutMs, polling: 500 });
		return (Date.now() - start) / 1000;
	}

	// settle waits (up to 30 s) until the notebook has drawn an output for
	// every timeline output in its model, and their pictures have loaded:
	// JupyterLab renders a notebook's cells a few at a time.
	async settle() {
		await this.page.waitForFunction(() => {
			const w = window.jupyterapp.shell.currentWidget;
			let want = 0;
			for (const cell of w.content.widgets) {
				if (cell.model.type !== 'code') continue;
				for (const o of cell.model.outputs.toJSON()) {
					if (o.data && String(o.data['text/html'] || '').includes('data:image/svg+xml')) want++;
				}
			}
			const drawn = [...w.node.querySelectorAll('.jp-OutputArea-output')].filter((o) => o.querySelector('img[src^="data:image/svg+xml"], svg'));
			const imgs = [...w.node.querySelectorAll('.jp-OutputArea-output img')];
			return drawn.length >= want && imgs.every((i) => i.complete);
		}, null, { timeout: 30000, polling: 200 }).catch(() => {});
	}

	// report describes the current notebook: its cells' trust, errors in
	// cells not tagged raises-exception, and its timelines, which are the
	// outputs whose HTML holds an SVG drawing.
	report() {
		return this.page.evaluate(() => {
			const w = window.jupyterapp.shell.currentWidget;
			const r = { code: 0, trusted: 0, unexpected: [], timelines: 0, pictures: 0, inline: 0, titled: 0, text: 0 };
			w.content.widgets.forEach((cell, i) => {
				if (cell.model.type !== 'code') return;
				r.code++;
				if (cell.model.trusted) r.trusted++;
				const tags = cell.model.getMetadata('tags') || [];
				const outputs = cell.model.outputs.toJSON();
				for (const o of outputs) {
					if (o.output_type === 'error' && !tags.includes('raises-exception')) {
						r.unexpected.push(`cell ${i + 1}: ${o.ename}: ${String(o.evalue).slice(0, 300)}`);
					}
					const html = o.data && o.data['text/html'];
					if (html && String(html).includes('data:image/svg+xml')) r.timelines++;
				}
				for (const out of cell.node.querySelectorAll('.jp-OutputArea-output')) {
					const img = out.querySelector('img[src^="data:image/svg+xml"]');
					// Drawn as wide as the output area, not at a default 300 px.
					if (img && img.complete && img.naturalWidth > 0 && img.width > 0.9 * out.clientWidth) r.pictures++;
					const svg = out.querySelector('svg');
					if (svg) {
						r.inline++;
						if (svg.querySelector('title')) r.titled++;
					}
					if (out.querySelector('pre') && /timeline|─|█/.test(out.textContent) && out.dataset.mimeType === 'text/plain') r.text++;
				}
			});
			return r;
		});
	}

	// contrast measures the timeline text in the current notebook against
	// the background it is drawn on: the lowest ratio of any text outside
	// the coloured bars, and how many texts were measured.
	contrast() {
		return this.page.evaluate(() => {
			const rgba = (s) => {
				const m = s.match(/rgba?\(([^)]+)\)/);
				if (!m) return null;
				const v = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
				return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 };
			};
			const over = (fg, bg) => ({
				r: fg.r * fg.a + bg.r * (1 - fg.a), g: fg.g * fg.a + bg.g * (1 - fg.a), b: fg.b * fg.a + bg.b * (1 - fg.a), a: 1,
			});
			const lum = (c) => {
				const ch = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; };
				return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
			};
			const background = (el) => {
				for (let e = el; e; e = e.parentElement) {
					const c = rgba(getComputedStyle(e).backgroundColor);
					if (c && c.a > 0) return c;
				}
				return { r: 255, g: 255, b: 255, a: 1 };
			};
			let min = Infinity, measured = 0, sample = '';
			for (const svg of window.jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-OutputArea-output svg')) {
				const bg = background(svg.parentElement);
				for (const t of svg.querySelectorAll('text')) {
					// Labels inside solid bars are drawn on the bar's colour.
					if (/fill:#fff/.test(t.getAttribute('style') || '')) continue;
					const fg = rgba(getComputedStyle(t).fill);
					if (!fg) continue;
					const a = lum(over(fg, bg)), b = lum(bg);
					const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
					measured++;
					if (ratio < min) { min = ratio; sample = `${getComputedStyle(t).fill} on ${JSON.stringify(bg)}: "${t.textContent.slice(0, 40)}"`; }
				}
			}
			return { min, measured, sample };
		});
	}

	async theme(name) {
		await this.page.evaluate((t) => window.jupyterapp.commands.execute('apputils:change-theme', { theme: t }), name);
		await this.page.waitForFunction((t) => document.body.dataset.jpThemeName === t, name, { timeout: 30000 });
		await this.page.waitForTimeout(500);
	}

	// cell returns a locator for cell i of the current notebook.
	cell(i) {
		return this.page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell').nth(i);
	}

	// run selects cell i by clicking its prompt and runs it with Shift+Enter.
	async run(i) {
		await this.cell(i).locator('.jp-InputPrompt').click();
		await this.page.keyboard.press('Shift+Enter');
	}

	async waitIdle(timeout = 60000) {
		await this.page.waitForFunction(() => {
			const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
			return k && k.status === 'idle';
		}, null, { timeout, polling: 100 });
	}

	// output waits until cell i's output text matches re and returns it.
	async output(i, re, timeout = 60000) {
		const loc = this.cell(i).locator('.jp-OutputArea');
		await this.page.waitForFunction(([el, src]) => new RegExp(src).test(el.textContent), [await loc.elementHandle(), re.source], { timeout, polling: 200 });
		return loc.textContent();
	}

	// editEnd clicks into cell i's editor and moves to the end of its text.
	async editEnd(i) {
		await this.cell(i).locator('.cm-content').click();
		await this.page.keyboard.press('Control+End');
	}
}

// checkCompletion presses Tab at the end of cell i and waits for want in
// the completer's list, or in the cell when it was the only match. A first
// Tab can go unanswered: JupyterLab drops a completion provider's answer
// after its providerTimeout (1 s by default), and the kernel's first
// completion after a start loads the type information of the standard
// library. A learner presses Tab again, and so does this check, saying so.
async function checkCompletion(lab, i, want) {
	const editor = await lab.cell(i).locator('.cm-content').elementHandle();
	const look = ([el, w]) => {
		const items = [...document.querySelectorAll('.jp-Completer:not(.lm-mod-hidden) .jp-Completer-item')].map((e) => e.textContent.trim());
		if (items.some((t) => t.includes(w))) return `listed among ${items.length}`;
		// A single match is inserted without a list.
		if (el.textContent.includes(w)) return 'inserted';
		return false;
	};
	let result;
	for (let attempt = 1; attempt <= 2 && !result; attempt++) {
		await lab.editEnd(i);
		await lab.page.keyboard.press('Tab');
		result = await lab.page.waitForFunction(look, [editor, want], { timeout: attempt === 1 ? 10000 : 30000, polling: 100 })
			.then((h) => h.jsonValue(), () => false);
		if (result && attempt > 1) result += ' (at the second Tab)';
	}
	await lab.page.keyboard.press('Escape');
	if (!result) {
		const text = await lab.cell(i).locator('.cm-content').textContent();
		const shown = await lab.page.locator('.jp-Completer:not(.lm-mod-hidden)').count();
		throw new Error(`after two Tabs the cell holds ${JSON.stringify(text)} and ${shown} completer list(s) show`);
	}
	return result;
}

async function main() {
	const args = parseArgs(process.argv.slice(2));
	fs.rmSync(args.work, { recursive: true, force: true });
	const nbDir = path.join(args.work, 'notebooks');
	fs.mkdirSync(nbDir, { recursive: true });
	fs.mkdirSync(args.artifacts, { recursive: true });
	const names = args.notebooks.filter(Boolean).map((f) => {
		fs.copyFileSync(f, path.join(nbDir, path.basename(f)));
		return path.basename(f);
	});
	fs.writeFileSync(path.join(nbDir, 'learner.ipynb'), JSON.stringify(learnerNotebook(), null, 1));
	const settings = path.join(args.work, 'settings');

	const port = await freePort();
	const token = randomBytes(16).toString('hex');
	const log = fs.openSync(path.join(args.work, 'server.log'), 'w');
	// A data directory of its own: no notebook signatures, so every
	// notebook opens untrusted, as after a fresh clone.
	const env = { ...process.env, JUPYTER_DATA_DIR: path.join(args.work, 'data'), JUPYTER_RUNTIME_DIR: path.join(args.work, 'runtime') };
	const server = spawn(args.python, [path.join(args.lab, 'launcher.py'), '--ServerApp.ip=127.0.0.1', `--ServerApp.port=${port}`,
		`--ServerApp.token=${token}`, '--ServerApp.open_browser=False', '--ServerApp.allow_root=True', `--ServerApp.root_dir=${nbDir}`,
		`--AsyncgoLab.user_settings_dir=${settings}`, `--AsyncgoLab.workspaces_dir=${path.join(args.work, 'workspaces')}`],
	{ stdio: ['ignore', log, log], env });
	const failures = [];
	const fail = (msg) => { failures.push(msg); console.log(`FAIL ${msg}`); };
	const ok = (msg) => console.log(`ok   ${msg}`);
	let context;
	try {
		await waitForServer(`http://127.0.0.1:${port}/api/status?token=${token}`, server, 60000);
		context = await chromium.launchPersistentContext(path.join(args.work, 'chrome'), {
			executablePath: '/usr/bin/chromium',
			headless: true,
			viewport: { width: 1280, height: 900 },
			args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
				'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
		const page = await context.newPage();
		const consoleErrors = [];
		page.on('pageerror', (e) => consoleErrors.push(e.message));
		page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text().slice(0, 300)); });
		await page.goto(`http://127.0.0.1:${port}/lab?token=${token}`);
		await page.waitForFunction(() => window.jupyterapp, null, { timeout: 120000 });
		const lab = new Lab(page, args.timeoutMs);

		// The course notebooks: fresh, then Run All; light and dark.
		for (const [n, name] of names.entries()) {
			const kernel = await lab.open(name);
			if (kernel === 'gokernel') ok(`${name}: kernel ${kernel} started from the notebook's metadata`);
			else fail(`${name}: the notebook started kernel ${kernel}, not gokernel`);
			await lab.settle();
			const fresh = await lab.report();
			if (fresh.trusted > 0) fail(`${name}: ${fresh.trusted} of ${fresh.code} code cells are trusted on opening; the check needs a notebook nobody ran`);
			if (fresh.timelines === 0) fail(`${name}: no timeline outputs stored; run it with gokernel run first`);
			else if (fresh.pictures + fresh.inline < fresh.timelines) fail(`${name}: opened untrusted, ${fresh.pictures + fresh.inline} of ${fresh.timelines} timelines show as pictures`);
			else ok(`${name}: opened untrusted, all ${fresh.timelines} timelines show as pictures`);
			if (n === 0) {
				const first = page.locator('.jp-OutputArea-output:has(img[src^="data:image/svg+xml"])').first();
				await first.scrollIntoViewIfNeeded();
				await page.screenshot({ path: path.join(args.artifacts, 'lab-fresh.png') });
				await first.screenshot({ path: path.join(args.artifacts, 'lab-fresh-timeline.png') });
			}

			const seconds = await lab.runAll();
			await lab.settle();
			const after = await lab.report();
			if (after.unexpected.length) fail(`${name}: unexpected errors after Run All:\n  ${after.unexpected.join('\n  ')}`);
			else ok(`${name}: Run All ran ${after.code} code cells in ${seconds.toFixed(1)} s with no unexpected error`);
			if (after.titled < after.timelines) fail(`${name}: after Run All, ${after.titled} of ${after.timelines} timelines are inline SVG with hover titles`);
			else ok(`${name}: after Run All, all ${after.timelines} timelines are inline SVG with hover titles`);
			for (const theme of ['JupyterLab Light', 'JupyterLab Dark']) {
				await lab.theme(theme);
				const c = await lab.contrast();
				const label = theme.replace('JupyterLab ', '').toLowerCase();
				if (c.measured === 0) fail(`${name} (${label}): no timeline text to measure`);
				else if (c.min < 4.5) fail(`${name} (${label}): timeline text contrast ${c.min.toFixed(2)}:1 < 4.5:1 (${c.sample})`);
				else ok(`${name} (${label}): lowest contrast of ${c.measured} timeline texts ${c.min.toFixed(2)}:1`);
				if (n === 0) {
					await page.screenshot({ path: path.join(args.artifacts, `lab-${label}.png`) });
					// A cell with its timeline, as the README shows it.
					const first = page.locator('.jp-CodeCell:has(.jp-OutputArea-output svg)').first();
					await first.scrollIntoViewIfNeeded();
					await first.screenshot({ path: path.join(args.artifacts, `lab-timeline-${label}.png`) });
				}
			}
			await lab.theme('JupyterLab Light');
		}

		// The learner's own notebook.
		const kernel = await lab.open('learner.ipynb');
		if (kernel !== 'gokernel') fail(`learner.ipynb started kernel ${kernel}`);
		const L = learnerIndex;
		await lab.run(L.declare);
		await lab.waitIdle();
		await lab.page.waitForFunction(() => window.jupyterapp.shell.currentWidget.content.widgets[0].model.executionCount !== null);
		for (const [what, i, want] of [['a package member', L.member, 'ToUpper'], ['a name from an earlier cell', L.earlier, 'totalOrders']]) {
			try {
				ok(`Tab completes ${what}: ${want} ${await checkCompletion(lab, i, want)}`);
			} catch (e) {
				fail(`Tab did not offer ${want} (${what}): ${e.message.split('\n')[0]}`);
			}
		}
		try {
			await lab.editEnd(L.doc);
			await page.keyboard.press('Shift+Tab');
			const tip = page.locator('.jp-Tooltip');
			await tip.waitFor({ timeout: 30000 });
			await page.waitForFunction((el) => el.textContent.trim() !== '', await tip.elementHandle(), { timeout: 30000 });
			const text = await tip.textContent();
			if (/Println/.test(text)) ok(`Shift+Tab shows documentation: "${text.replace(/\s+/g, ' ').slice(0, 80)}..."`);
			else fail(`Shift+Tab showed "${text.slice(0, 200)}", not Println's documentation`);
			await page.keyboard.press('Escape');
		} catch (e) {
			fail(`Shift+Tab showed no documentation: ${e.message.split('\n')[0]}`);
		}

		try {
			await lab.run(L.sleep);
			await page.waitForFunction(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'busy', null, { timeout: 30000 });
			await page.waitForTimeout(1500);
			const t0 = Date.now();
			await page.click('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [data-command="notebook:interrupt-kernel"]');
			await lab.waitIdle(20000);
			const stopped = (Date.now() - t0) / 1000;
			await lab.run(L.after);
			const out = await lab.output(L.after, /after the interrupt: 43/);
			ok(`the stop button interrupted time.Sleep(time.Minute) in ${stopped.toFixed(1)} s; the next cell printed "${out.trim()}"`);
		} catch (e) {
			fail(`interrupt: ${e.message.split('\n')[0]}`);
		}

		try {
			await lab.run(L.scan);
			const box = page.locator('.jp-Stdin-input');
			await box.waitFor({ timeout: 60000 });
			await box.fill('gopher');
			await box.press('Enter');
			const out = await lab.output(L.scan, /hello, gopher/);
			ok(`fmt.Scan showed JupyterLab's input box; the program got the answer: "${out.replace(/\s+/g, ' ').trim()}"`);
		} catch (e) {
			fail(`fmt.Scan input: ${e.message.split('\n')[0]}`);
		}

		try {
			await lab.run(L.help);
			const out = await lab.output(L.help, /%goflags/);
			ok(`%help rendered (${out.split('\n').length} lines)`);
		} catch (e) {
			fail(`%help: ${e.message.split('\n')[0]}`);
		}

		try {
			await page.click('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [data-command="notebook:restart-kernel"]');
			await page.click('.jp-Dialog .jp-mod-accept');
			await page.waitForFunction(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status !== 'idle', null, { timeout: 10000, polling: 50 }).catch(() => {});
			await lab.waitIdle(60000);
			await lab.run(L.restarted);
			await lab.output(L.restarted, /42/);
			const count = await page.evaluate((i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.executionCount, L.restarted);
			if (count === 1) ok('the restart button restarted the kernel: the next cell ran as In [1] and printed 42');
			else fail(`after a restart the next cell ran as In [${count}], not In [1]`);
		} catch (e) {
			fail(`restart: ${e.message.split('\n')[0]}`);
		}
		await page.screenshot({ path: path.join(args.artifacts, 'lab-learner.png') });

		if (args.jupyter) {
			const html = path.join(args.work, 'html');
			await new Promise((resolve, reject) => {
				const conv = spawn(args.jupyter, ['nbconvert', '--to', 'html', '--output-dir', html, path.join(nbDir, names[0])], { stdio: 'ignore', env });
				conv.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`jupyter nbconvert --to html exited with status ${code}`))));
			});
			const exported = await context.newPage();
			await exported.goto(`file://${path.join(html, names[0].replace(/\.ipynb$/, '.html'))}`);
			await exported.waitForLoadState('load');
			const got = await exported.evaluate(() => [...document.querySelectorAll('svg')].filter((s) => s.querySelector('title')).length);
			const want = JSON.parse(fs.readFileSync(path.join(nbDir, names[0]), 'utf8')).cells
				.flatMap((c) => c.outputs || []).filter((o) => o.data && String(o.data['text/html'] || '').includes('data:image/svg+xml')).length;
			if (got >= want && want > 0) ok(`${names[0]} exported by nbconvert --to html: all ${want} timelines inline with hover titles`);
			else fail(`${names[0]} exported by nbconvert --to html: ${got} of ${want} timelines inline with hover titles`);
		}
		const plugins = consoleErrors.filter((e) => /failed to activate/.test(e));
		if (plugins.length) fail(`JupyterLab plugins failed to start:\n  ${plugins.join('\n  ')}`);
	} finally {
		if (context) await context.close();
		server.kill('SIGTERM');
	}
	if (failures.length) throw new Error(`${failures.length} check(s) failed`);
	console.log(`all JupyterLab checks passed; screenshots in ${args.artifacts}`);
}

main().catch((err) => {
	console.error(`JupyterLab browser check failed: ${err.message}`);
	process.exit(1);
});
