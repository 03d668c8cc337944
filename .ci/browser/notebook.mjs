// notebook.mjs runs one course notebook in the classic Jupyter Notebook,
// the way a learner does, in headless Chromium: it starts a notebook server
// on 127.0.0.1 with a token, opens a copy of the notebook, chooses
// Cell > Run All, waits for the kernel to finish, and checks the page:
// every code cell ran, no cell shows an error unless it is tagged
// raises-exception, and at least one timeline is drawn as inline SVG with
// hover titles. It keeps a screenshot.
//
// Before running, it checks the notebook as opened: untrusted (this
// server has no signatures), every timeline stored in it must show as a
// picture. Give it a notebook nobody ran in a browser, with the outputs
// of the current code (gokernel run -o DIR writes one).
//
// Usage: node notebook.mjs --notebook FILE --work DIR --screenshot PNG
//                          [--jupyter /usr/bin/jupyter] [--timeout-ms N]
//                          [--pages DIR]
//
// --pages DIR also saves the notebook as a reader sees it, one screenful
// at a time (DIR/page-01.png, ...), for reading it through.
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, parseArgs, prepareWork, startServer } from './harness.mjs';

// savePages scrolls the notebook one screenful at a time and saves each.
async function savePages(page, dir) {
	fs.mkdirSync(dir, { recursive: true });
	const total = await page.evaluate(() => document.querySelector('#notebook').scrollHeight);
	const step = 700; // a screenful shows about 790 px of the notebook: overlap a little
	for (let y = 0, n = 1; y < total; y += step, n++) {
		await page.evaluate((top) => { document.querySelector('#site').scrollTop = top; }, y);
		await page.waitForTimeout(100);
		await page.screenshot({ path: path.join(dir, `page-${String(n).padStart(2, '0')}.png`) });
	}
}

async function main() {
	const args = parseArgs(process.argv.slice(2), { jupyter: '/usr/bin/jupyter', timeoutMs: 240000 },
		['notebook', 'work', 'screenshot'], 'node notebook.mjs --notebook FILE --work DIR --screenshot PNG');
	const nbDir = prepareWork(args.work);
	const name = path.basename(args.notebook);
	fs.copyFileSync(args.notebook, path.join(nbDir, name));

	const server = await startServer(args.work, 'notebook server', (port, token) => [args.jupyter, 'notebook', '--no-browser',
		'--allow-root', '--ip=127.0.0.1', `--port=${port}`, `--NotebookApp.token=${token}`, `--notebook-dir=${nbDir}`]);
	let context;
	try {
		context = await launchChromium(path.join(args.work, 'chrome'), { width: 1200, height: 900 });
		const page = await context.newPage();
		await page.goto(`${server.url}/notebooks/${encodeURIComponent(name)}?token=${server.token}`, { waitUntil: 'domcontentloaded', timeout: 120000 });
		await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel
			&& Jupyter.notebook.kernel.is_connected(), null, { timeout: 60000 });
		const kernelName = await page.evaluate(() => Jupyter.notebook.kernel.name);
		if (kernelName !== 'gokernel') throw new Error(`the notebook started kernel ${kernelName}, not gokernel`);

		// As opened: untrusted, with every stored timeline shown as a picture.
		await page.waitForFunction(() => [...document.querySelectorAll('.output_subarea img')].every((i) => i.complete),
			null, { timeout: 15000, polling: 100 }).catch(() => {});
		const fresh = await page.evaluate(() => {
			let timelines = 0;
			for (const c of Jupyter.notebook.get_cells()) {
				for (const o of (c.output_area && c.output_area.outputs) || []) {
					const html = o.data && o.data['text/html'];
					if (html && String(html).includes('data:image/svg+xml')) timelines++;
				}
			}
			const imgs = [...document.querySelectorAll('.output_subarea img[src^="data:image/svg+xml"]')];
			return { trusted: Jupyter.notebook.trusted, timelines, pictures: imgs.filter((i) => i.complete && i.naturalWidth > 0 && i.width > 0.9 * i.parentElement.clientWidth).length };
		});
		const freshFailures = [];
		if (fresh.trusted) freshFailures.push('the notebook opened trusted; the check needs one nobody ran here');
		if (fresh.pictures < fresh.timelines) freshFailures.push(`opened untrusted, ${fresh.pictures} of ${fresh.timelines} stored timelines show as pictures`);
		console.log(`${name}: opened untrusted, ${fresh.pictures} of ${fresh.timelines} stored timelines show as pictures`);

		// Run every cell from the menu, as a learner would.
		await page.click('#celllink');
		await page.click('#run_all_cells');
		const start = Date.now();
		await page.waitForFunction(() => {
			const cells = Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code' && c.get_text().trim() !== '');
			const done = cells.every((c) => typeof c.input_prompt_number === 'number');
			return done && !document.querySelector('#kernel_indicator_icon').classList.contains('kernel_busy_icon');
		}, null, { timeout: args.timeoutMs, polling: 500 });
		const elapsed = Date.now() - start;

		const report = await page.evaluate(() => {
			const cells = Jupyter.notebook.get_cells();
			const unexpected = [];
			let code = 0;
			cells.forEach((c, i) => {
				if (c.cell_type !== 'code') return;
				code++;
				const tags = (c.metadata && c.metadata.tags) || [];
				if (c.element[0].querySelector('.output_error') && !tags.includes('raises-exception')) {
					unexpected.push(`cell ${i + 1}: ${c.element[0].querySelector('.output_error').innerText.slice(0, 300)}`);
				}
			});
			const svgs = [...document.querySelectorAll('.output_subarea svg')];
			const titled = svgs.filter((s) => s.querySelector('title')).length;
			return { code, unexpected, svgs: svgs.length, titled };
		});
		await page.screenshot({ path: args.screenshot, fullPage: true });
		if (args.pages) await savePages(page, args.pages);
		console.log(`${name}: ${report.code} code cells ran in ${(elapsed / 1000).toFixed(1)} s; ${report.svgs} inline SVG outputs (${report.titled} with hover titles); screenshot ${args.screenshot}`);
		const failures = [...freshFailures];
		if (report.unexpected.length) failures.push(`unexpected errors:\n  ${report.unexpected.join('\n  ')}`);
		if (report.titled === 0) failures.push('no timeline SVG with hover titles was drawn');
		if (failures.length) throw new Error(failures.join('\n'));
	} finally {
		if (context) await context.close();
		server.stop();
	}
}

main().catch((err) => {
	console.error(`browser check failed: ${err.message}`);
	process.exit(1);
});
