from galena.cli import main

main()
