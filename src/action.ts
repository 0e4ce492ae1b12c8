// Placeholder until the Action entry lands.
process.stdout.write('sports-sync-x action\n');
