// index.js starts a JupyterLab with the extensions a notebook user needs,
// listed in package.json under "jupyterlab.extensions"; this file imports
// the same list.
import { PageConfig } from '@jupyterlab/coreutils';

// Assets load from the static URL that LabServerApp serves build/ at.
// eslint-disable-next-line no-undef
__webpack_public_path__ = PageConfig.getOption('fullStaticUrl') + '/';

// Each import gives a module whose default export is a plugin or a list
// of plugins; the style modules bring the extensions' CSS.
async function load() {
	await Promise.all([
		import('@jupyterlab/application/style/index.js'),
		import('@jupyterlab/application-extension/style/index.js'),
		import('@jupyterlab/apputils-extension/style/index.js'),
		import('@jupyterlab/codemirror-extension/style/index.js'),
		import('@jupyterlab/completer-extension/style/index.js'),
		import('@jupyterlab/console-extension/style/index.js'),
		import('@jupyterlab/debugger-extension/style/index.js'),
		import('@jupyterlab/docmanager-extension/style/index.js'),
		import('@jupyterlab/filebrowser-extension/style/index.js'),
		import('@jupyterlab/mainmenu-extension/style/index.js'),
		import('@jupyterlab/markedparser-extension/style/index.js'),
		import('@jupyterlab/notebook-extension/style/index.js'),
		import('@jupyterlab/rendermime-extension/style/index.js'),
		import('@jupyterlab/shortcuts-extension/style/index.js'),
		import('@jupyterlab/statusbar-extension/style/index.js'),
		import('@jupyterlab/tooltip-extension/style/index.js'),
		import('@jupyterlab/translation-extension/style/index.js'),
		import('@jupyterlab/ui-components-extension/style/index.js'),
	]);
	return Promise.all([
		import('@jupyterlab/application-extension'),
		import('@jupyterlab/apputils-extension'),
		import('@jupyterlab/codemirror-extension'),
		import('@jupyterlab/completer-extension'),
		import('@jupyterlab/console-extension'),
		import('@jupyterlab/debugger-extension'),
		import('@jupyterlab/docmanager-extension'),
		import('@jupyterlab/filebrowser-extension'),
		import('@jupyterlab/mainmenu-extension'),
		import('@jupyterlab/markedparser-extension'),
		import('@jupyterlab/notebook-extension'),
		import('@jupyterlab/rendermime-extension'),
		import('@jupyterlab/shortcuts-extension'),
		import('@jupyterlab/statusbar-extension'),
		import('@jupyterlab/theme-dark-extension'),
		import('@jupyterlab/theme-light-extension'),
		import('@jupyterlab/tooltip-extension'),
		import('@jupyterlab/translation-extension'),
		import('@jupyterlab/ui-components-extension'),
	]);
}

// pluginsOf returns the plugins a module exports.
function pluginsOf(mod) {
	const exported = mod.default;
	return Array.isArray(exported) ? exported : [exported];
}

// usable returns the plugins whose required services some other usable
// plugin provides: it leaves out the parts of the extensions that work
// with ones this build does not include (the file editor, search, the
// table of contents, the language servers), which would fail to start.
function usable(plugins) {
	let kept = plugins;
	for (;;) {
		const provided = new Set(kept.filter((p) => p.provides).map((p) => p.provides.name));
		const next = kept.filter((p) => (p.requires || []).every((t) => provided.has(t.name)));
		if (next.length === kept.length) return kept;
		kept = next;
	}
}

window.addEventListener('load', async () => {
	const { JupyterLab } = await import('@jupyterlab/application');
	const modules = await load();
	const lab = new JupyterLab();
	// The news announcements would ask the internet; CI has none.
	const plugins = modules.flatMap(pluginsOf).filter((p) => !p.id.endsWith(':announcements'));
	lab.registerPlugins(usable(plugins));
	await lab.start();
	await lab.restored;
	// The browser tests reach the application here.
	window.jupyterapp = lab;
});
