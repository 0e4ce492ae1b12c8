// Placeholder until the CLI lands in this same change.
process.stdout.write('sports-sync-x\n');
