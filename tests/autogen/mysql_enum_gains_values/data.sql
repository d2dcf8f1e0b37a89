INSERT INTO ticket VALUES (1, 'open'), (2, 'closed');
