"""Lianxin (连心): the working platform for grassroots ideological and political work."""
