// harness.mjs holds what the browser tests (notebook.mjs, lab.mjs) share:
// reading their flags, starting a Jupyter server on 127.0.0.1 with a
// token and a data directory of its own (so every notebook opens
// untrusted, as after a fresh clone), and starting headless Chromium.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

// parseArgs reads --name value pairs from argv into an object keyed by
// the names in camelCase, over defaults; it throws the usage line when a
// name in required is missing.
export function parseArgs(argv, defaults, required, usage) {
	const args = { ...defaults };
	for (let i = 0; i < argv.length; i += 2) {
		const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
		args[key] = argv[i + 1];
	}
	for (const need of required) {
		if (!args[need]) throw new Error(`missing --${need}; usage: ${usage}`);
	}
	if (args.timeoutMs !== undefined) args.timeoutMs = Number(args.timeoutMs);
	return args;
}

// freePort returns a TCP port free on 127.0.0.1.
export function freePort() {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => resolve(port));
		});
		srv.on('error', reject);
	});
}

// waitForServer polls url until it answers, proc exits, or timeoutMs
// passes; what names the server in errors.
async function waitForServer(url, proc, timeoutMs, what) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (proc.exitCode !== null) throw new Error(`the ${what} exited with status ${proc.exitCode}`);
		try {
			const res = await fetch(url);
			if (res.ok) return;
		} catch { /* not up yet */ }
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`the ${what} did not answer at ${url} within ${timeoutMs} ms`);
}

// startServer starts a Jupyter server serving work/notebooks: command is
// its argv, given the port and token (serverArgs(port, token)); its log
// goes to work/server.log. It returns once the server answers, with
// { url, token, env, stop }: url is http://127.0.0.1:PORT, env the
// environment the server runs with (for other Jupyter commands on the
// same data), and stop ends the server.
export async function startServer(work, what, serverArgs) {
	const port = await freePort();
	const token = randomBytes(16).toString('hex');
	const log = fs.openSync(path.join(work, 'server.log'), 'w');
	// A data directory of its own: no notebook signatures.
	const env = { ...process.env, JUPYTER_DATA_DIR: path.join(work, 'data'), JUPYTER_RUNTIME_DIR: path.join(work, 'runtime') };
	const [cmd, ...argv] = serverArgs(port, token);
	const proc = spawn(cmd, argv, { stdio: ['ignore', log, log], env });
	const url = `http://127.0.0.1:${port}`;
	const stop = () => { if (proc.exitCode === null) proc.kill('SIGTERM'); };
	try {
		await waitForServer(`${url}/api/status?token=${token}`, proc, 60000, what);
	} catch (e) {
		stop();
		throw e;
	}
	return { url, token, env, stop };
}

// launchChromium starts headless Chromium (/usr/bin/chromium) with a
// fresh profile in dir and returns its browser context.
export function launchChromium(dir, viewport) {
	return chromium.launchPersistentContext(dir, {
		executablePath: '/usr/bin/chromium',
		headless: true,
		viewport,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
}

// prepareWork empties work and creates work/notebooks, where the server
// serves from; it returns that directory.
export function prepareWork(work) {
	fs.rmSync(work, { recursive: true, force: true });
	const nbDir = path.join(work, 'notebooks');
	fs.mkdirSync(nbDir, { recursive: true });
	return nbDir;
}
