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
//     input box and gets the typed answer; %help shows its text; the
//     debugger, switched on with the bug button, stops a cell at a
//     breakpoint set by clicking the gutter, inside a goroutine, shows
//     its call stack and a local variable, and continues to the end;
//   - with --jupyter, the first notebook exported by jupyter nbconvert
//     --to html shows every timeline inline with hover titles.
// Screenshots (light and dark) go to --artifacts. Each check is a
// scenario, a function run in turn in one page (see scenarios below);
// a new check is a new function in that list. Each course notebook's
// kernel is shut down after its checks, so that kernels do not pile up.
//
// Usage: node lab.mjs --work DIR --artifacts DIR --notebooks A.ipynb,B.ipynb,...
//                     [--lab .ci/jupyterlab] [--python /usr/bin/python3]
//                     [--jupyter /usr/bin/jupyter] [--timeout-ms N]
//
// The gokernel kernel spec must be on JUPYTER_PATH, and .ci/jupyterlab
// built (npm ci && npx webpack there).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, parseArgs, prepareWork, startServer } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const usage = 'node lab.mjs --work DIR --artifacts DIR --notebooks A.ipynb,B.ipynb,...';

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
	// The debugger stops at line 4, in the goroutine.
	debug: 'ch := make(chan int)\ngo timeline.Named("sender", func() {\n\tn := 6\n\tch <- n + 1\n})()\nfmt.Println("got", <-ch)',
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
		}, null, { timeout: this.timeoutMs, polling: 200 });
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

	// theme switches to a theme and waits until its style applies: the
	// layout background is dark in a dark theme and light in a light one.
	async theme(name) {
		await this.page.evaluate((t) => window.jupyterapp.commands.execute('apputils:change-theme', { theme: t }), name);
		await this.page.waitForFunction((t) => {
			if (document.body.dataset.jpThemeName !== t) return false;
			const probe = document.createElement('div');
			probe.style.background = 'var(--jp-layout-color0)';
			document.body.appendChild(probe);
			const m = getComputedStyle(probe).backgroundColor.match(/\d+(\.\d+)?/g);
			probe.remove();
			if (!m) return false;
			const light = (Number(m[0]) + Number(m[1]) + Number(m[2])) / 3 > 128;
			return light === (document.body.dataset.jpThemeLight === 'true');
		}, name, { timeout: 30000, polling: 50 });
	}

	// shutdown shuts the current notebook's kernel down, so that it does
	// not share the machine with the next notebook's.
	async shutdown() {
		await this.page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown());
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
// the completer's list, or in the cell when it was the only match.
// JupyterLab drops a completion provider's answer after its
// providerTimeout (1 s by default); the kernel warms gopls and its type
// checker as it starts so that the first Tab beats it, but on a loaded
// machine it may not. A learner presses Tab again, and so does this
// check, saying so in its report ("at the second Tab").
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

// A scenario is an async function of a Test: it drives the page and
// reports with t.ok and t.fail. A scenario that throws fails with its
// message, and the next one runs. Scenarios run in order, in one page.

// courseNotebook opens a course notebook fresh, checks its stored
// timelines, runs it with Run All, and checks the timelines and their
// contrast in the light and the dark theme; the first one (n = 0) also
// takes the screenshots.
function courseNotebook(name, n) {
	return async (t) => {
		const { lab, page } = t;
		const kernel = await lab.open(name);
		if (kernel === 'gokernel') t.ok(`${name}: kernel ${kernel} started from the notebook's metadata`);
		else t.fail(`${name}: the notebook started kernel ${kernel}, not gokernel`);
		await lab.settle();
		const fresh = await lab.report();
		if (fresh.trusted > 0) t.fail(`${name}: ${fresh.trusted} of ${fresh.code} code cells are trusted on opening; the check needs a notebook nobody ran`);
		if (fresh.timelines === 0) t.fail(`${name}: no timeline outputs stored; run it with gokernel run first`);
		else if (fresh.pictures + fresh.inline < fresh.timelines) t.fail(`${name}: opened untrusted, ${fresh.pictures + fresh.inline} of ${fresh.timelines} timelines show as pictures`);
		else t.ok(`${name}: opened untrusted, all ${fresh.timelines} timelines show as pictures`);
		if (n === 0) {
			const first = page.locator('.jp-OutputArea-output:has(img[src^="data:image/svg+xml"])').first();
			await first.scrollIntoViewIfNeeded();
			await page.screenshot({ path: path.join(t.args.artifacts, 'lab-fresh.png') });
			await first.screenshot({ path: path.join(t.args.artifacts, 'lab-fresh-timeline.png') });
		}

		const seconds = await lab.runAll();
		await lab.settle();
		const after = await lab.report();
		if (after.unexpected.length) t.fail(`${name}: unexpected errors after Run All:\n  ${after.unexpected.join('\n  ')}`);
		else t.ok(`${name}: Run All ran ${after.code} code cells in ${seconds.toFixed(1)} s with no unexpected error`);
		if (after.titled < after.timelines) t.fail(`${name}: after Run All, ${after.titled} of ${after.timelines} timelines are inline SVG with hover titles`);
		else t.ok(`${name}: after Run All, all ${after.timelines} timelines are inline SVG with hover titles`);
		for (const theme of ['JupyterLab Light', 'JupyterLab Dark']) {
			await lab.theme(theme);
			const c = await lab.contrast();
			const label = theme.replace('JupyterLab ', '').toLowerCase();
			if (c.measured === 0) t.fail(`${name} (${label}): no timeline text to measure`);
			else if (c.min < 4.5) t.fail(`${name} (${label}): timeline text contrast ${c.min.toFixed(2)}:1 < 4.5:1 (${c.sample})`);
			else t.ok(`${name} (${label}): lowest contrast of ${c.measured} timeline texts ${c.min.toFixed(2)}:1`);
			if (n === 0) {
				await page.screenshot({ path: path.join(t.args.artifacts, `lab-${label}.png`) });
				// A cell with its timeline, as the README shows it.
				const first = page.locator('.jp-CodeCell:has(.jp-OutputArea-output svg)').first();
				await first.scrollIntoViewIfNeeded();
				await first.screenshot({ path: path.join(t.args.artifacts, `lab-timeline-${label}.png`) });
			}
		}
		await lab.theme('JupyterLab Light');
		await lab.shutdown();
	};
}

// The learner's own notebook (learnerCells), one scenario a check; they
// run in this order, after openLearner.

async function openLearner(t) {
	const { lab } = t;
	const kernel = await lab.open('learner.ipynb');
	if (kernel !== 'gokernel') t.fail(`learner.ipynb started kernel ${kernel}`);
	await lab.run(learnerIndex.declare);
	await lab.waitIdle();
	await lab.page.waitForFunction(() => window.jupyterapp.shell.currentWidget.content.widgets[0].model.executionCount !== null);
}

async function tabCompletion(t) {
	const L = learnerIndex;
	for (const [what, i, want] of [['a package member', L.member, 'ToUpper'], ['a name from an earlier cell', L.earlier, 'totalOrders']]) {
		try {
			t.ok(`Tab completes ${what}: ${want} ${await checkCompletion(t.lab, i, want)}`);
		} catch (e) {
			t.fail(`Tab did not offer ${want} (${what}): ${e.message.split('\n')[0]}`);
		}
	}
}

async function shiftTabDocs(t) {
	const { lab, page } = t;
	await lab.editEnd(learnerIndex.doc);
	await page.keyboard.press('Shift+Tab');
	const tip = page.locator('.jp-Tooltip');
	await tip.waitFor({ timeout: 30000 });
	await page.waitForFunction((el) => el.textContent.trim() !== '', await tip.elementHandle(), { timeout: 30000 });
	const text = await tip.textContent();
	if (/Println/.test(text)) t.ok(`Shift+Tab shows documentation: "${text.replace(/\s+/g, ' ').slice(0, 80)}..."`);
	else t.fail(`Shift+Tab showed "${text.slice(0, 200)}", not Println's documentation`);
	await page.keyboard.press('Escape');
}

async function stopButton(t) {
	const { lab, page } = t;
	const L = learnerIndex;
	await lab.run(L.sleep);
	await page.waitForFunction(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'busy', null, { timeout: 30000, polling: 50 });
	// A learner presses stop a moment after starting the cell.
	await page.waitForTimeout(1500);
	const t0 = Date.now();
	await page.click('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [data-command="notebook:interrupt-kernel"]');
	await lab.waitIdle(20000);
	const stopped = (Date.now() - t0) / 1000;
	await lab.run(L.after);
	const out = await lab.output(L.after, /after the interrupt: 43/);
	t.ok(`the stop button interrupted time.Sleep(time.Minute) in ${stopped.toFixed(1)} s; the next cell printed "${out.trim()}"`);
}

async function scanInput(t) {
	const { lab, page } = t;
	await lab.run(learnerIndex.scan);
	const box = page.locator('.jp-Stdin-input');
	await box.waitFor({ timeout: 60000 });
	await box.fill('gopher');
	await box.press('Enter');
	const out = await lab.output(learnerIndex.scan, /hello, gopher/);
	t.ok(`fmt.Scan showed JupyterLab's input box; the program got the answer: "${out.replace(/\s+/g, ' ').trim()}"`);
}

async function helpMagic(t) {
	await t.lab.run(learnerIndex.help);
	const out = await t.lab.output(learnerIndex.help, /%goflags/);
	t.ok(`%help rendered (${out.split('\n').length} lines)`);
}

async function restartButton(t) {
	const { lab, page } = t;
	const L = learnerIndex;
	await page.click('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [data-command="notebook:restart-kernel"]');
	await page.click('.jp-Dialog .jp-mod-accept');
	await page.waitForFunction(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status !== 'idle', null, { timeout: 10000, polling: 50 }).catch(() => {});
	await lab.waitIdle(60000);
	await lab.run(L.restarted);
	await lab.output(L.restarted, /42/);
	const count = await page.evaluate((i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.executionCount, L.restarted);
	if (count === 1) t.ok('the restart button restarted the kernel: the next cell ran as In [1] and printed 42');
	else t.fail(`after a restart the next cell ran as In [${count}], not In [1]`);
	await page.screenshot({ path: path.join(t.args.artifacts, 'lab-learner.png') });
}

// debuggerBreakpoint switches JupyterLab's debugger on with the bug
// button, sets a breakpoint by clicking the gutter at line 4 of the debug
// cell, runs it, and checks the stop: the call stack of the goroutine at
// the cell's line, and its local n in the Variables panel. Continue runs
// the cell to its end; with the breakpoint removed and the debugger off,
// the cell runs again without stopping.
async function debuggerBreakpoint(t) {
	const { lab, page } = t;
	const i = learnerIndex.debug;
	const line = 4;
	const bug = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar .jp-DebuggerBugButton');
	// Enabled once JupyterLab knows the kernelspec and kernel say debugger.
	await page.waitForFunction((el) => el.getAttribute('aria-disabled') !== 'true' && !el.hasAttribute('disabled'),
		await bug.elementHandle(), { timeout: 30000, polling: 200 });
	await bug.click();
	// The Debugger sidebar, as the bug tab on the right opens it.
	await page.evaluate(() => window.jupyterapp.commands.execute('debugger:show-panel'));
	const gutter = lab.cell(i).locator('.cm-gutter.cm-breakpoint-gutter');
	await gutter.waitFor({ timeout: 30000 });
	const lineBox = await lab.cell(i).locator('.cm-line').nth(line - 1).boundingBox();
	const gutterBox = await gutter.boundingBox();
	// The gutter draws one hidden marker as its spacer, then one per
	// breakpoint.
	const icons = lab.cell(i).locator('.cm-breakpoint-icon');
	const spacers = await icons.count();
	const toggle = async (want) => {
		await page.mouse.click(gutterBox.x + gutterBox.width / 2, lineBox.y + lineBox.height / 2);
		await page.waitForFunction(([el, n]) => el.querySelectorAll('.cm-breakpoint-icon').length === n,
			[await lab.cell(i).elementHandle(), spacers + want], { timeout: 10000, polling: 100 });
	};
	await toggle(1);
	const listed = page.locator('.jp-DebuggerBreakpoint').first();
	await listed.waitFor({ timeout: 10000 });
	const entry = (await listed.textContent()).replace(/\s+/g, ' ').trim();
	if (new RegExp(`Cell \\[[ \\d]*\\]\\s*${line}$`).test(entry)) t.ok(`the Breakpoints panel lists the gutter's breakpoint: ${entry}`);
	else t.fail(`the Breakpoints panel lists ${JSON.stringify(entry)}, not the cell's line ${line}`);

	const t0 = Date.now();
	await lab.run(i);
	const frame = page.locator('.jp-DebuggerCallstackFrame').first();
	await frame.waitFor({ timeout: 120000 });
	const stoppedAfter = (Date.now() - t0) / 1000;
	const frames = (await page.locator('.jp-DebuggerCallstackFrame').allTextContents()).map((f) => f.replace(/\s+/g, ' ').trim());
	// JupyterLab names the cell's file by the cell, Cell [*] while it runs.
	if (/main\.main\.func1/.test(frames[0]) && new RegExp(`Cell \\[(\\*|\\d+)\\]:${line}$`).test(frames[0])) {
		t.ok(`the debugger stopped the cell at the gutter's breakpoint in ${stoppedAfter.toFixed(1)} s, in the goroutine: ${frames.slice(0, 2).join(' ← ')}`);
	} else {
		t.fail(`the debugger stopped at ${JSON.stringify(frames.slice(0, 3))}, not in main.main.func1 at the cell's line ${line}`);
	}
	const n = page.locator('.jp-DebuggerVariables .jp-TreeItem', { has: page.locator('.jp-DebuggerVariables-name', { hasText: /^n$/ }) }).first();
	await n.waitFor({ timeout: 30000 });
	const shown = (await n.textContent()).replace(/\s+/g, ' ').trim();
	if (/6/.test(shown)) t.ok(`the Variables panel shows the goroutine's local: ${shown}`);
	else t.fail(`the Variables panel shows n as ${JSON.stringify(shown)}, want 6`);
	await page.screenshot({ path: path.join(t.args.artifacts, 'lab-debugger.png') });

	await page.evaluate(() => window.jupyterapp.commands.execute('debugger:continue'));
	const out = await lab.output(i, /got 7/);
	t.ok(`Continue ran the cell to its end: "${out.trim()}"`);
	await lab.waitIdle();

	// Off again: the breakpoint removed, the debugger switched off.
	await toggle(0);
	await bug.click();
	const ran = () => page.evaluate((c) => window.jupyterapp.shell.currentWidget.content.widgets[c].model.executionCount, i);
	const before = await ran();
	await lab.run(i);
	await page.waitForFunction(([c, n]) => window.jupyterapp.shell.currentWidget.content.widgets[c].model.executionCount > n, [i, before], { timeout: 60000, polling: 100 });
	const again = await lab.output(i, /got 7/);
	t.ok(`without the breakpoint and the debugger the cell ran through: "${again.trim()}"`);
}

// exportedHTML exports the first course notebook with jupyter nbconvert
// --to html (only with --jupyter) and checks its timelines in the page.
async function exportedHTML(t) {
	if (!t.args.jupyter) return;
	const first = t.names[0];
	const html = path.join(t.args.work, 'html');
	await new Promise((resolve, reject) => {
		const conv = spawn(t.args.jupyter, ['nbconvert', '--to', 'html', '--output-dir', html, path.join(t.nbDir, first)], { stdio: 'ignore', env: t.env });
		conv.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`jupyter nbconvert --to html exited with status ${code}`))));
	});
	const exported = await t.context.newPage();
	await exported.goto(`file://${path.join(html, first.replace(/\.ipynb$/, '.html'))}`);
	await exported.waitForLoadState('load');
	const got = await exported.evaluate(() => [...document.querySelectorAll('svg')].filter((s) => s.querySelector('title')).length);
	await exported.close();
	const want = JSON.parse(fs.readFileSync(path.join(t.nbDir, first), 'utf8')).cells
		.flatMap((c) => c.outputs || []).filter((o) => o.data && String(o.data['text/html'] || '').includes('data:image/svg+xml')).length;
	if (got >= want && want > 0) t.ok(`${first} exported by nbconvert --to html: all ${want} timelines inline with hover titles`);
	else t.fail(`${first} exported by nbconvert --to html: ${got} of ${want} timelines inline with hover titles`);
}

// pluginsStarted checks that no JupyterLab plugin failed to start.
async function pluginsStarted(t) {
	const plugins = t.consoleErrors.filter((e) => /failed to activate/.test(e));
	if (plugins.length) t.fail(`JupyterLab plugins failed to start:\n  ${plugins.join('\n  ')}`);
}

// scenarios returns the scenarios of a run over the course notebooks
// names, in order. Add a check as a function here.
function scenarios(names) {
	return [
		...names.map((name, n) => [name, courseNotebook(name, n)]),
		['learner.ipynb: open and declare', openLearner],
		['Tab completion', tabCompletion],
		['Shift+Tab documentation', shiftTabDocs],
		['the stop button', stopButton],
		['fmt.Scan input', scanInput],
		['%help', helpMagic],
		['the restart button', restartButton],
		['the debugger', debuggerBreakpoint],
		['nbconvert --to html', exportedHTML],
		['JupyterLab plugins', pluginsStarted],
	];
}

async function main() {
	const args = parseArgs(process.argv.slice(2), { lab: path.join(here, '..', 'jupyterlab'), python: '/usr/bin/python3', timeoutMs: 300000 },
		['work', 'artifacts', 'notebooks'], usage);
	const nbDir = prepareWork(args.work);
	fs.mkdirSync(args.artifacts, { recursive: true });
	const names = args.notebooks.split(',').filter(Boolean).map((f) => {
		fs.copyFileSync(f, path.join(nbDir, path.basename(f)));
		return path.basename(f);
	});
	fs.writeFileSync(path.join(nbDir, 'learner.ipynb'), JSON.stringify(learnerNotebook(), null, 1));

	const server = await startServer(args.work, 'JupyterLab server', (port, token) => [args.python, path.join(args.lab, 'launcher.py'),
		'--ServerApp.ip=127.0.0.1', `--ServerApp.port=${port}`, `--ServerApp.token=${token}`, '--ServerApp.open_browser=False',
		'--ServerApp.allow_root=True', `--ServerApp.root_dir=${nbDir}`, `--AsyncgoLab.user_settings_dir=${path.join(args.work, 'settings')}`,
		`--AsyncgoLab.workspaces_dir=${path.join(args.work, 'workspaces')}`]);
	const failures = [];
	const t = {
		args, names, nbDir, env: server.env, consoleErrors: [],
		fail: (msg) => { failures.push(msg); console.log(`FAIL ${msg}`); },
		ok: (msg) => console.log(`ok   ${msg}`),
	};
	try {
		t.context = await launchChromium(path.join(args.work, 'chrome'), { width: 1280, height: 900 });
		t.page = await t.context.newPage();
		t.page.on('pageerror', (e) => t.consoleErrors.push(e.message));
		t.page.on('console', (m) => { if (m.type() === 'error') t.consoleErrors.push(m.text().slice(0, 300)); });
		await t.page.goto(`${server.url}/lab?token=${server.token}`);
		await t.page.waitForFunction(() => window.jupyterapp, null, { timeout: 120000 });
		t.lab = new Lab(t.page, args.timeoutMs);
		for (const [title, scenario] of scenarios(names)) {
			const start = Date.now();
			try {
				await scenario(t);
			} catch (e) {
				t.fail(`${title}: ${e.message.split('\n')[0]}`);
			}
			console.log(`     (${title}: ${((Date.now() - start) / 1000).toFixed(1)} s)`);
		}
	} finally {
		if (t.context) await t.context.close();
		server.stop();
	}
	if (failures.length) throw new Error(`${failures.length} check(s) failed`);
	console.log(`all JupyterLab checks passed; screenshots in ${args.artifacts}`);
}

main().catch((err) => {
	console.error(`JupyterLab browser check failed: ${err.message}`);
	process.exit(1);
});
