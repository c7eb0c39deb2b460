"""Where the bot patches botbuilder 4.17, replaces one of its code paths or steps around
one of its bugs, in one place so that a move to its successor (the Microsoft 365 Agents
SDK) starts here. README.md beside this file says, for each module, what it fixes, where
it is used, and what the move would delete or keep."""
