// webpack.config.js bundles the JupyterLab frontend of asyncgo's browser
// tests into build/: bundle.js with the extensions listed under
// "jupyterlab.extensions" in package.json (and their CSS), the extensions'
// settings schemas in build/schemas/ and the themes in build/themes/,
// where jupyterlab_server's LabServerApp (launcher.py) serves them.
const fs = require('node:fs');
const path = require('node:path');
const webpack = require('webpack');

const extensions = require('./package.json').jupyterlab.extensions;
const build = path.join(__dirname, 'build');

// copyAssets copies each extension's settings schemas, and each theme's
// CSS, to where LabServerApp serves them from.
function copyAssets() {
	fs.rmSync(build, { recursive: true, force: true });
	for (const name of extensions) {
		const dir = path.dirname(require.resolve(`${name}/package.json`));
		const meta = require(`${name}/package.json`);
		const schemaDir = meta.jupyterlab && meta.jupyterlab.schemaDir;
		if (schemaDir) {
			fs.cpSync(path.join(dir, schemaDir), path.join(build, 'schemas', name), { recursive: true });
			// LabServerApp reads the package's name and version from here.
			fs.copyFileSync(path.join(dir, 'package.json'), path.join(build, 'schemas', name, 'package.json.orig'));
		}
		if (meta.jupyterlab && meta.jupyterlab.themePath) {
			// The theme manager loads <themes>/<package>/index.css.
			const out = path.join(build, 'themes', name);
			fs.cpSync(path.dirname(path.join(dir, meta.jupyterlab.themePath)), out, { recursive: true });
			fs.copyFileSync(path.join(dir, meta.jupyterlab.themePath), path.join(out, 'index.css'));
		}
	}
}
copyAssets();

module.exports = {
	// Unminified: minifying takes minutes on CI's two cores, and the tests
	// load the bundle from 127.0.0.1.
	mode: 'development',
	devtool: false,
	entry: './index.js',
	output: { path: build, filename: 'bundle.js', chunkFilename: '[name].[contenthash:8].js' },
	bail: true,
	performance: { hints: false },
	resolve: { fullySpecified: false },
	module: {
		rules: [
			{ test: /\.m?js$/, resolve: { fullySpecified: false } },
			{ test: /\.raw\.css$/, type: 'asset/source' },
			{ test: /(?<!\.raw)\.css$/, use: ['style-loader', 'css-loader'] },
			{ test: /\.md$/, type: 'asset/source' },
			{ test: /\.(jpg|png|gif|woff2?|ttf|eot)$/, type: 'asset' },
			// In CSS an SVG icon is a URL; in JavaScript it is the SVG text.
			{ test: /\.svg$/, issuer: /\.css$/, type: 'asset/inline' },
			{ test: /\.svg$/, issuer: /\.js$/, type: 'asset/source' },
		],
	},
	plugins: [
		// Some packages ask process.cwd() or process.env.
		new webpack.DefinePlugin({ 'process.env': '{}', 'process.cwd': '(() => "/")' }),
	],
};
