#!/usr/bin/env node
// A committed file rather than dist/cli/main.js itself: npm links a workspace's bin while installing, before the
// root's prepare has built dist/, and it skips a bin whose file does not exist yet, so a fresh `npm ci` left no
// `npx goscale-hibernate`. This file exists from the start and runs the build.
import '../dist/cli/main.js';
