from greenmfg.cli import main

main()
